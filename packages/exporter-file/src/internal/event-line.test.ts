import assert from 'node:assert/strict';
import { it } from 'node:test';
import { EVENT_TYPES, serializeEvent } from '@oisp/core';
import { exampleEvent } from '@oisp/core/testing';
import { eventLine } from './event-line.ts';

it('writes every known type exactly as serializeEvent does', () => {
  for (const type of EVENT_TYPES) {
    const event = exampleEvent(type, 3);
    assert.equal(eventLine(event), serializeEvent(event), type);
  }
  assert.match(eventLine(exampleEvent('capture.data')), /"data":"UE9TVCAv/);
});

it("keeps bytes as base64 in a type it does not know (a plugin's)", () => {
  const event = { ...exampleEvent('process.exit'), event_type: 'acme.blob', data: { blob: new Uint8Array([104, 105]), buf: Buffer.from('hi') } };
  assert.equal(JSON.parse(eventLine(event)).data.blob, 'aGk=');
  assert.equal(JSON.parse(eventLine(event)).data.buf, 'aGk=');
});
