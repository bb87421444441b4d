// OpenAI Responses over a WebSocket (wss://…/v1/responses): the client sends `response.create`
// whose fields are those of POST /v1/responses; the server answers with the same events the SSE
// stream carries, one response at a time, each ending with response.completed / .incomplete /
// .failed / .cancelled, or an `error` event when the create was refused before a response began.
// So the Responses decoder reads each call unchanged; this file only divides the messages into calls.
import type { HttpWebSocketMessage } from '@oisp/core';
import { CallQueue, messageJson, type WebSocketApi, type WebSocketCall, type WebSocketCalls } from '../websocket-api.ts';
import { openaiResponses } from './openai-responses.ts';

const FINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'response.cancelled']);

function open(_query: URLSearchParams, maxCallBytes: number): WebSocketCalls {
  const queue = new CallQueue(maxCallBytes);
  return {
    push(m: HttpWebSocketMessage): WebSocketCall[] {
      const json = messageJson(m);
      if (!json) return [];
      if (m.direction === 'egress') {
        // response.steer and others add to a call in flight.
        if (json.type === 'response.create') {
          const { type: _type, ...body } = json;
          queue.ask(m, body);
        }
        return [];
      }
      return queue.answer(m, json.type, FINAL.has(json.type as string));
    },
    end: () => queue.end(),
    get heldBytes() {
      return queue.heldBytes;
    },
  };
}

export const openaiResponsesWebSocket: WebSocketApi = { api: openaiResponses.api, requestType: 'responses', decoder: openaiResponses, open };
