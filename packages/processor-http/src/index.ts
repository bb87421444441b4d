// @oisp/processor-http: captured plaintext (capture.*) -> HTTP exchanges (http.request / http.response).
import { httpProcessorFactory } from './factory.ts';

export { HttpProcessor } from './http-processor.ts';
export { createDefaultConfig, configSchema, type HttpProcessorConfig } from './config.ts';
export default httpProcessorFactory;
