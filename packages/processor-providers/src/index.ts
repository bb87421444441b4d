// @oisp/processor-providers: HTTP exchanges with AI providers -> ai.* and agent.* events.
import { providersProcessorFactory } from './factory.ts';

export { ProvidersProcessor } from './providers-processor.ts';
export { createDefaultConfig, configSchema, type ProvidersProcessorConfig } from './config.ts';
export default providersProcessorFactory;
