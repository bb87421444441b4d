// How messages on a Responses WebSocket divide into calls, as they come, where the order of events
// is all there is: which message finishes a call, and what is held until it does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpWebSocketMessage } from '@oisp/core';
import type { WebSocketCall } from '../websocket-api.ts';
import { openaiResponsesWebSocket } from './openai-responses-websocket.ts';

let n = 0;
const msg = (direction: 'egress' | 'ingress', json: unknown, event = 'text'): HttpWebSocketMessage => ({ ts: `2026-11-25T00:00:00.${String(n++).padStart(9, '0')}Z`, direction, event, data: JSON.stringify(json) });
const shape = (c: WebSocketCall) => ({ body: c.body, answer: c.answer.map((a) => JSON.parse(a.data).type), complete: c.complete });
/** Every call, in the order they came out: at their final event, or unfinished at the end. */
const split = (messages: HttpWebSocketMessage[]) => {
  const calls = openaiResponsesWebSocket.open(new URLSearchParams(), 1 << 20);
  return [...messages.flatMap((m) => calls.push(m)), ...calls.end()].map(shape);
};

describe('Responses over WebSocket: calls', () => {
  it('gives each response.create the server events up to its final one, in order', () => {
    assert.deepEqual(
      split([
        msg('ingress', { type: 'response.output_text.delta' }), // before any create: no call to belong to
        msg('egress', { type: 'response.create', model: 'a' }),
        msg('egress', { type: 'response.create', model: 'b' }), // sent before the first is answered: waits its turn
        msg('ingress', { type: 'response.created' }),
        msg('egress', { type: 'response.steer', input: 'x' }),
        msg('ingress', { type: 'response.completed' }),
        msg('ingress', { type: 'response.created' }),
        msg('ingress', { type: 'response.failed' }),
      ]),
      [
        { body: { model: 'a' }, answer: ['response.created', 'response.completed'], complete: true },
        { body: { model: 'b' }, answer: ['response.created', 'response.failed'], complete: true },
      ],
    );
  });

  it('ends a call at an error before its response began; a second response.created means the first never finished', () => {
    assert.deepEqual(
      split([
        msg('egress', { type: 'response.create', model: 'refused' }),
        msg('ingress', { type: 'error', error: { code: 'model_not_found' } }),
        msg('egress', { type: 'response.create', model: 'cut' }),
        msg('ingress', { type: 'response.created' }),
        msg('ingress', { type: 'error', error: { code: 'server_error' } }), // mid-response: the call stays open
        msg('egress', { type: 'response.create', model: 'next' }),
        msg('ingress', { type: 'response.created' }),
        msg('ingress', { type: 'response.completed' }),
        msg('ingress', { kind: 'not json' }, 'binary'),
      ]),
      [
        { body: { model: 'refused' }, answer: ['error'], complete: true },
        { body: { model: 'cut' }, answer: ['response.created', 'error'], complete: false },
        { body: { model: 'next' }, answer: ['response.created', 'response.completed'], complete: true },
      ],
    );
  });

  it('gives a call out at its final event, holding nothing of it after; the call in flight comes out unfinished at the end', () => {
    const calls = openaiResponsesWebSocket.open(new URLSearchParams(), 1 << 20);
    const out = (m: HttpWebSocketMessage) => calls.push(m).map(shape);
    assert.deepEqual(out(msg('egress', { type: 'response.create', model: 'a' })), []);
    assert.deepEqual(out(msg('ingress', { type: 'response.created' })), []);
    assert.ok(calls.heldBytes > 0, 'the call in flight is held');
    assert.deepEqual(out(msg('ingress', { type: 'response.completed' })), [{ body: { model: 'a' }, answer: ['response.created', 'response.completed'], complete: true }]);
    assert.equal(calls.heldBytes, 0, 'nothing held once the call is out');
    assert.deepEqual(out(msg('egress', { type: 'response.create', model: 'b' })), []);
    assert.deepEqual(out(msg('ingress', { type: 'response.created' })), []);
    assert.deepEqual(calls.end().map(shape), [{ body: { model: 'b' }, answer: ['response.created'], complete: false }]);
    assert.equal(calls.heldBytes, 0);
  });

  it('keeps a call that outgrows its bound to what fits, and always its final event, counting what it left out', () => {
    const calls = openaiResponsesWebSocket.open(new URLSearchParams(), 250); // response.created (27 B) and two deltas (88 B each)
    const delta = { type: 'response.output_text.delta', delta: 'x'.repeat(40) };
    const finished = [msg('egress', { type: 'response.create', model: 'long' }), msg('ingress', { type: 'response.created' }), ...Array.from({ length: 10 }, () => msg('ingress', delta)), msg('ingress', { type: 'response.completed' })].flatMap((m) => calls.push(m));
    assert.equal(finished.length, 1);
    assert.deepEqual(finished[0].answer.map((a) => JSON.parse(a.data).type), ['response.created', 'response.output_text.delta', 'response.output_text.delta', 'response.completed']);
    assert.equal(finished[0].notKept, 8);
    assert.ok(finished[0].complete);
    assert.equal(calls.heldBytes, 0);
  });
});
