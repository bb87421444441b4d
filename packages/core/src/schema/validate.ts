// validateEvent: the envelope, then the payload of known types. Compiled once, on first use.
// Messages name the field with a dotted path (`data.request_id: required field is missing`,
// `data.requestId: unknown field`), so a renamed field is obvious in a failing test.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { KnownEventType } from '../event.ts';
import { EVENT_TYPES } from '../event.ts';
import { envelopeSchema } from './envelope.ts';
import { eventDataSchemas } from './event-schemas.ts';

export interface EventValidation {
  valid: boolean;
  errors: string[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface Validators {
  envelope: ValidateFunction;
  data: Map<string, ValidateFunction>;
}

let validators: Validators | undefined;

function compile(): Validators {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addKeyword({
    keyword: 'x-oisp-bytes',
    errors: false,
    // In memory a Uint8Array (Buffer included); in JSON a base64 string.
    validate: (_schema: unknown, value: unknown) => value instanceof Uint8Array || (typeof value === 'string' && BASE64.test(value)),
  });
  const data = new Map<string, ValidateFunction>();
  for (const type of EVENT_TYPES) data.set(type, ajv.compile(eventDataSchemas[type as KnownEventType]));
  return { envelope: ajv.compile(envelopeSchema), data };
}

/** `/data/messages/0/role` -> `data.messages[0].role` (ajv escapes `/` and `~` in keys). */
function dotted(pointer: string, prefix: string): string {
  let path = prefix;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) path += `[${key}]`;
    else path += path ? `.${key}` : key;
  }
  return path;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(error: ErrorObject, prefix: string): string {
  const path = dotted(error.instancePath, prefix);
  const p = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'required':
      return `${join(path, p.missingProperty)}: required field is missing`;
    case 'additionalProperties':
      return `${join(path, p.additionalProperty)}: unknown field`;
    case 'enum':
      return `${path}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'x-oisp-bytes':
      return `${path}: must be bytes (a Uint8Array, or a base64 string in JSON)`;
    default:
      return `${path || '(event)'}: ${error.message}`;
  }
}

/** Checks one event (in memory or parsed from JSON) against its schema. Unknown types: envelope only. */
export function validateEvent(event: unknown): EventValidation {
  validators ??= compile();
  const errors: string[] = [];
  if (!validators.envelope(event)) {
    for (const e of validators.envelope.errors ?? []) errors.push(describe(e, ''));
  }
  const type = (event as { event_type?: unknown } | null)?.event_type;
  const data = (event as { data?: unknown } | null)?.data;
  const validateData = typeof type === 'string' ? validators.data.get(type) : undefined;
  if (validateData && data !== null && typeof data === 'object' && !validateData(data)) {
    for (const e of validateData.errors ?? []) {
      // anyOf repeats each branch's failure; the anyOf line itself says enough with its path.
      if (e.keyword !== 'anyOf' && e.schemaPath.includes('/anyOf/')) continue;
      errors.push(describe(e, 'data'));
    }
  }
  return { valid: errors.length === 0, errors };
}

export class EventValidationError extends Error {
  readonly errors: string[];
  constructor(message: string, errors: string[]) {
    super(message);
    this.name = 'EventValidationError';
    this.errors = errors;
  }
}

/** Throws an EventValidationError listing every problem when the event is not valid. */
export function assertValidEvent(event: unknown): void {
  const { valid, errors } = validateEvent(event);
  if (valid) return;
  const e = event as { event_type?: unknown; event_id?: unknown } | null;
  throw new EventValidationError(`invalid ${String(e?.event_type ?? 'event')} event ${String(e?.event_id ?? '')}: ${errors.join('; ')}`, errors);
}
