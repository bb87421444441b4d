import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EVENT_TYPES, type OispEvent } from '../event.ts';
import { parseEvent, serializeEvent } from '../event-json.ts';
import { exampleEvent } from './examples.ts';
import { assertValidEvent, EventValidationError, eventSchema, validateEvent } from './index.ts';

function renamed(obj: Record<string, unknown>, from: string, to: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k === from ? to : k] = v;
  return out;
}

test('one example of every event type is valid, in memory and as JSON', () => {
  for (const type of EVENT_TYPES) {
    const event = exampleEvent(type);
    assert.deepEqual(validateEvent(event), { valid: true, errors: [] }, type);
    const json = JSON.parse(serializeEvent(event));
    assert.deepEqual(validateEvent(json), { valid: true, errors: [] }, `${type} as JSON`);
    assert.deepEqual(validateEvent(parseEvent(serializeEvent(event))), { valid: true, errors: [] }, `${type} parsed back`);
  }
});

test('a minimal event (required fields only) is valid', () => {
  const event = { oisp_version: '0.1', event_id: '01JDQ6Z8Y3K4M5N6P7Q8R9S0T1', event_type: 'process.exit', ts: '2026-11-24T22:05:11Z', data: { exit_code: 1 } };
  assert.deepEqual(validateEvent(event).errors, []);
});

test('renaming event_type to type fails, naming both fields', () => {
  const event = renamed(exampleEvent('ai.request') as unknown as Record<string, unknown>, 'event_type', 'type');
  const { valid, errors } = validateEvent(event);
  assert.equal(valid, false);
  assert.ok(errors.includes('type: unknown field'), errors.join('\n'));
  assert.ok(errors.includes('event_type: required field is missing'), errors.join('\n'));
});

test('renaming data.request_id to data.requestId fails, naming both fields', () => {
  const event = exampleEvent('ai.response');
  event.data = renamed(event.data, 'request_id', 'requestId');
  const { valid, errors } = validateEvent(event);
  assert.equal(valid, false);
  assert.deepEqual(errors.sort(), ['data.requestId: unknown field', 'data.request_id: required field is missing'].sort());
});

test('a WebSocket message without the side that sent it is invalid (a stream event elsewhere may omit it)', () => {
  const event = exampleEvent('http.websocket');
  const { direction: _d, ...message } = (event.data as { messages: Record<string, unknown>[] }).messages[0];
  (event.data as { messages: unknown[] }).messages[0] = message;
  assert.deepEqual(validateEvent(event).errors, ['data.messages[0].direction: required field is missing']);
  const response = exampleEvent('http.response');
  assert.deepEqual(validateEvent(response).errors, []);
});

test('renaming any envelope field or any data field of any type fails with its name', () => {
  for (const type of EVENT_TYPES) {
    const example = exampleEvent(type) as unknown as Record<string, unknown>;
    for (const key of Object.keys(example)) {
      const { errors } = validateEvent(renamed(example, key, `${key}X`));
      assert.ok(errors.includes(`${key}X: unknown field`), `${type} ${key}: ${errors.join('; ')}`);
    }
    for (const key of Object.keys(example.data as object)) {
      const event = { ...example, data: renamed(example.data as Record<string, unknown>, key, `${key}X`) };
      const { errors } = validateEvent(event);
      assert.ok(errors.includes(`data.${key}X: unknown field`), `${type} data.${key}: ${errors.join('; ')}`);
    }
  }
});

test('nested owned objects are closed; content parts stay open', () => {
  const event = exampleEvent('ai.request');
  event.data.messages[0] = renamed(event.data.messages[0], 'content', 'contnt');
  event.data.messages[1].content[0].cache_control = { type: 'ephemeral' }; // open part: fine
  event.data.usage = { prompt_tokens: 1 }; // not an ai.request field
  const { errors } = validateEvent(event);
  assert.deepEqual(errors.sort(), ['data.messages[0].contnt: unknown field', 'data.usage: unknown field']);
});

test('wrong types and values are reported with their path', () => {
  const event = exampleEvent('ai.response');
  event.data.status_code = '200';
  event.data.finish_reason = 'done';
  event.data.usage.prompt_tokens = -1;
  event.ts = '2026-11-24 22:05:11';
  const { errors } = validateEvent(event);
  assert.ok(errors.includes('data.status_code: must be integer'), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('data.finish_reason: must be one of "stop"')), errors.join('\n'));
  assert.ok(errors.includes('data.usage.prompt_tokens: must be >= 0'), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('ts: must match pattern')), errors.join('\n'));
});

test('capture.data bytes: a Uint8Array or base64, nothing else', () => {
  const event = exampleEvent('capture.data');
  assert.equal(validateEvent(event).valid, true);
  event.data.data = Buffer.from('hello');
  assert.equal(validateEvent(event).valid, true);
  event.data.data = Buffer.from('hello').toString('base64');
  assert.equal(validateEvent(event).valid, true);
  for (const bad of ['not base64!', 42, [1, 2, 3]]) {
    event.data.data = bad;
    assert.deepEqual(validateEvent(event).errors, ['data.data: must be bytes (a Uint8Array, or a base64 string in JSON)'], String(bad));
  }
});

test('plugin event types are checked by the envelope only', () => {
  const event: OispEvent = { ...exampleEvent('process.exit'), event_type: 'acme.audit_hit', data: { anything: [1, { goes: true }] } };
  assert.equal(validateEvent(event).valid, true);
  assert.deepEqual(validateEvent({ ...event, event_type: 'NotDotted' }).errors, ['event_type: must match pattern "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$"']);
  assert.deepEqual(validateEvent({ ...event, data: 'x' }).errors, ['data: must be object']);
  assert.equal(validateEvent(null).valid, false);
});

test('assertValidEvent throws an EventValidationError listing the problems', () => {
  assert.doesNotThrow(() => assertValidEvent(exampleEvent('file.open')));
  const event = exampleEvent('file.open');
  delete event.data.fd;
  assert.throws(() => assertValidEvent(event), (err: unknown) => {
    assert.ok(err instanceof EventValidationError);
    assert.deepEqual(err.errors, ['data.fd: required field is missing']);
    assert.match(err.message, /^invalid file\.open event 01JDQ\w+: data\.fd: required field is missing$/);
    return true;
  });
});

test('eventSchema(type) is a standalone JSON Schema a plain ajv accepts', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  for (const type of EVENT_TYPES) {
    if (type === 'capture.data') continue; // its bytes need our keyword
    const validate = ajv.compile(eventSchema(type));
    assert.equal(validate(JSON.parse(serializeEvent(exampleEvent(type)))), true, `${type}: ${JSON.stringify(validate.errors)}`);
    assert.equal(validate({ ...JSON.parse(serializeEvent(exampleEvent(type))), event_type: 'other.type' }), false);
  }
});
