// @oisp/processor-providers: HTTP exchanges with AI providers -> ai.* and agent.* events.
import { providersProcessorFactory } from './factory.ts';

export { ProvidersProcessor } from './providers-processor.ts';
export { createDefaultConfig, configSchema, type ProvidersProcessorConfig } from './config.ts';
/** The Generative Language API's protobuf messages as REST JSON and back (for mock servers and tools). */
export { generativeType, jsonToMessage, messageToJson } from './internal/decoders/gemini-grpc.ts';
export default providersProcessorFactory;
