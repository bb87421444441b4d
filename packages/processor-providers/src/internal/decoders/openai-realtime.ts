// OpenAI Realtime API (wss://…/v1/realtime?model=…), its text and tool events. A Realtime
// WebSocket is a session, not a request per call: the client configures it (session.update:
// instructions, tools), adds conversation items (conversation.item.create: messages, function
// call outputs) and asks for a response (response.create, which may override instructions and
// tools, or answer outside the conversation from its own input). The server streams the response
// and ends it with response.done, whose response object carries Responses-shaped output items and
// usage. So each response.create is a call whose body is the Responses request the session amounts
// to at that moment — model, instructions, tools, the conversation so far — and the Responses
// decoder reads it and its events. Audio is not decoded (input audio items are kept by type only).
import type { HttpWebSocketMessage } from '@oisp/core';
import { asArray, asString, isObject } from '../http-body.ts';
import { CallQueue, messageJson, type WebSocketApi, type WebSocketCall, type WebSocketCalls } from '../websocket-api.ts';
import { openaiResponses } from './openai-responses.ts';

interface Session {
  model?: string;
  instructions?: string;
  tools?: unknown[];
  toolChoice?: unknown;
  /** The conversation: items the client created and the outputs of earlier responses, in order. */
  items: Record<string, unknown>[];
}

function configure(session: Session, config: unknown): void {
  if (!isObject(config)) return;
  if (asString(config.model)) session.model = config.model as string;
  if (asString(config.instructions)) session.instructions = config.instructions as string;
  if (Array.isArray(config.tools)) session.tools = config.tools;
  if (config.tool_choice !== undefined) session.toolChoice = config.tool_choice;
}

/** The Responses-shaped body a response.create amounts to in this session. */
function bodyOf(session: Session, response: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (session.model) body.model = session.model;
  const instructions = asString(response.instructions) ?? session.instructions;
  if (instructions) body.instructions = instructions;
  const tools = Array.isArray(response.tools) ? response.tools : session.tools;
  if (tools) body.tools = tools;
  const toolChoice = response.tool_choice ?? session.toolChoice;
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  // conversation: "none" answers from the response's own input only.
  const outOfBand = response.conversation === 'none';
  body.input = Array.isArray(response.input) ? (outOfBand ? response.input : [...session.items, ...response.input]) : outOfBand ? [] : [...session.items];
  return body;
}

function open(query: URLSearchParams, maxCallBytes: number): WebSocketCalls {
  const session: Session = { items: [] };
  const model = query.get('model');
  if (model) session.model = model;
  const queue = new CallQueue(maxCallBytes);
  return {
    push(m: HttpWebSocketMessage): WebSocketCall[] {
      const json = messageJson(m);
      if (!json) return [];
      const type = json.type;
      if (m.direction === 'egress') {
        if (type === 'session.update') configure(session, json.session);
        else if (type === 'conversation.item.create' && isObject(json.item)) session.items.push(json.item);
        else if (type === 'conversation.item.delete') session.items = session.items.filter((i) => i.id === undefined || i.id !== json.item_id);
        else if (type === 'response.create') queue.ask(m, bodyOf(session, isObject(json.response) ? json.response : {}));
        return [];
      }
      // The server's view of the model wins over the URL's (an alias resolves to a snapshot).
      if ((type === 'session.created' || type === 'session.updated') && isObject(json.session) && asString(json.session.model)) session.model = json.session.model as string;
      // Only the response's own events: a Realtime session also reports audio buffers, items, rate limits.
      if (typeof type !== 'string' || !(type.startsWith('response.') || type === 'error')) return [];
      const finished = queue.answer(m, type, type === 'response.done');
      // What the model said joins the conversation the next response.create will carry.
      const response = json.response;
      if (type === 'response.done' && finished.some((c) => c.complete) && isObject(response) && response.conversation_id !== null) {
        for (const item of asArray(response.output)) if (isObject(item)) session.items.push(item);
      }
      return finished;
    },
    end: () => queue.end(),
    get heldBytes() {
      return queue.heldBytes;
    },
  };
}

export const openaiRealtime: WebSocketApi = { api: 'openai.realtime', requestType: 'realtime', decoder: openaiResponses, open };
