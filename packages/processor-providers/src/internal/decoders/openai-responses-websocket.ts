// OpenAI Responses over a WebSocket (wss://…/v1/responses): the client sends `response.create`
// whose fields are those of POST /v1/responses; the server answers with the same events the SSE
// stream carries, one response at a time, each ending with response.completed / .incomplete /
// .failed / .cancelled, or an `error` event when the create was refused before a response began.
// So the Responses decoder reads each call unchanged; this file only divides the messages into calls.
import type { HttpStreamEvent } from '@oisp/core';
import { messageJson, type WebSocketApi, type WebSocketCall } from '../websocket-api.ts';
import { openaiResponses } from './openai-responses.ts';

const FINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'response.cancelled']);

function calls(messages: HttpStreamEvent[]): WebSocketCall[] {
  const out: WebSocketCall[] = [];
  // Responses are answered in order: server events go to the oldest call not yet answered.
  let answering = 0;
  let started = false;
  for (const m of messages) {
    const json = messageJson(m);
    if (!json) continue;
    if (m.direction === 'egress') {
      if (json.type !== 'response.create') continue; // response.steer and others add to a call in flight
      const { type: _type, ...body } = json;
      out.push({ ask: m, body, answer: [], complete: false });
      continue;
    }
    if (json.type === 'response.created' && started) {
      // A second response began: the one before never got its final event and stays incomplete.
      answering++;
      started = false;
    }
    const call = out[answering];
    if (!call) continue;
    call.answer.push(m);
    if (json.type === 'response.created') started = true;
    if (FINAL.has(json.type as string) || (json.type === 'error' && !started)) {
      call.complete = true;
      answering++;
      started = false;
    }
  }
  return out;
}

export const openaiResponsesWebSocket: WebSocketApi = { api: openaiResponses.api, requestType: 'responses', decoder: openaiResponses, calls };
