// How messages on a Responses WebSocket divide into calls, where the order of events is all there is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpStreamEvent } from '@oisp/core';
import { openaiResponsesWebSocket } from './openai-responses-websocket.ts';

let n = 0;
const msg = (direction: 'egress' | 'ingress', json: unknown, event = 'text'): HttpStreamEvent => ({ ts: `2026-11-25T00:00:00.${String(n++).padStart(9, '0')}Z`, direction, event, data: JSON.stringify(json) });
const split = (messages: HttpStreamEvent[]) =>
  openaiResponsesWebSocket.calls(messages, new URLSearchParams()).map((c) => ({ body: c.body, answer: c.answer.map((a) => JSON.parse(a.data).type), complete: c.complete }));

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
});
