// Event JSON Schemas and the validator other packages' tests use.
export { validateEvent, assertValidEvent, EventValidationError, type EventValidation } from './validate.ts';
export { envelopeSchema, EVENT_TYPE_PATTERN } from './envelope.ts';
export { eventDataSchemas, eventSchema } from './event-schemas.ts';
