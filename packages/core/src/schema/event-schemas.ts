// The JSON Schema of every event type of DESIGN.md: the envelope with `data` replaced by the
// type's payload schema. Plugins' own event types are checked against the envelope only.
import type { JsonSchema } from '../component.ts';
import type { KnownEventType } from '../event.ts';
import { aiEmbeddingSchema, aiRequestSchema, aiResponseSchema, agentSessionSchema, agentToolCallSchema, agentToolResultSchema } from './ai.ts';
import { captureCloseSchema, captureDataSchema } from './capture.ts';
import { envelopeSchema } from './envelope.ts';
import { httpRequestSchema, httpResponseSchema, httpWebSocketSchema } from './http.ts';
import { fileIoSchema, fileOpenSchema, networkConnectSchema, processExecSchema, processExitSchema } from './system.ts';

/** The schema of `data` for each known event type. */
export const eventDataSchemas: Readonly<Record<KnownEventType, JsonSchema>> = {
  'capture.data': captureDataSchema,
  'capture.close': captureCloseSchema,
  'http.request': httpRequestSchema,
  'http.response': httpResponseSchema,
  'http.websocket': httpWebSocketSchema,
  'ai.request': aiRequestSchema,
  'ai.response': aiResponseSchema,
  'ai.embedding': aiEmbeddingSchema,
  'agent.tool_call': agentToolCallSchema,
  'agent.tool_result': agentToolResultSchema,
  'agent.session': agentSessionSchema,
  'process.exec': processExecSchema,
  'process.exit': processExitSchema,
  'file.open': fileOpenSchema,
  'file.read': fileIoSchema,
  'file.write': fileIoSchema,
  'network.connect': networkConnectSchema,
};

/** A whole-event JSON Schema for one known type (envelope + its data), e.g. for documentation. */
export function eventSchema(type: KnownEventType): JsonSchema {
  const properties = envelopeSchema.properties as Record<string, JsonSchema>;
  return {
    ...envelopeSchema,
    $id: `https://oisp.dev/schema/0.1/${type}.json`,
    title: `OISP ${type} event`,
    properties: { ...properties, event_type: { const: type }, data: eventDataSchemas[type] },
  };
}
