// @oisp/processor-agent: agent sessions, conversations and tool windows -> trace_context on every event.
import { agentProcessorFactory } from './factory.ts';

export { AgentProcessor } from './agent-processor.ts';
export { createDefaultConfig, configSchema, type AgentProcessorConfig } from './config.ts';
export default agentProcessorFactory;
