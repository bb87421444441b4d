// How much of a conversation leaves the collector (config `content`):
//   full      everything, secrets redacted;
//   metadata  no text anywhere — roles, lengths and per-message hashes stay, so conversations can
//             still be linked; tool arguments and results become their hash and size;
//   none      no messages, choices, arguments or results at all; counts and the system prompt's hash stay.
import type { AgentToolCall, AgentToolResult, AiChoice, AiMessage, AiRequest, AiResponse, OispEvent } from '@oisp/core';
import { hashOf } from './message-hash.ts';

export type ContentMode = 'full' | 'metadata' | 'none';

function metadataMessage(m: AiMessage): AiMessage {
  const out: AiMessage = { role: m.role };
  if (m.content_hash) out.content_hash = m.content_hash;
  if (m.content_length !== undefined) out.content_length = m.content_length;
  if (m.tool_call_id) out.tool_call_id = m.tool_call_id;
  if (m.name) out.name = m.name;
  if (m.tool_calls) out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, name: c.name, type: c.type, arguments: sized(c.arguments) }));
  return out;
}

function sized(value: unknown): { hash: string; size: number } {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return { hash: hashOf(text), size: text.length };
}

function choices(list: AiChoice[]): AiChoice[] {
  return list.map((c) => ({ ...c, message: metadataMessage({ ...c.message, content_length: typeof c.message.content === 'string' ? c.message.content.length : undefined, content_hash: c.message.content !== undefined ? hashOf(c.message.content) : undefined }) }));
}

/** Applies the mode to an event the processor made, in place. */
export function applyContentMode(event: OispEvent, mode: ContentMode): void {
  if (mode === 'full') return;
  switch (event.event_type) {
    case 'ai.request': {
      const d = event.data as AiRequest;
      if (mode === 'none') delete d.messages;
      else if (d.messages) d.messages = d.messages.map(metadataMessage);
      if (d.tools) d.tools = d.tools.map((t) => ({ name: t.name, type: t.type }));
      return;
    }
    case 'ai.response': {
      const d = event.data as AiResponse;
      if (mode === 'none') {
        delete d.choices;
        if (d.tool_calls) d.tool_calls = d.tool_calls.map((c) => ({ id: c.id, name: c.name, type: c.type, arguments: sized(c.arguments) }));
      } else {
        if (d.choices) d.choices = choices(d.choices);
        if (d.tool_calls) d.tool_calls = d.tool_calls.map((c) => ({ id: c.id, name: c.name, type: c.type, arguments: sized(c.arguments) }));
      }
      if (d.thinking) d.thinking = d.thinking.tokens !== undefined ? { tokens: d.thinking.tokens } : {};
      // A provider's error message may quote the input.
      if (mode === 'none' && d.error?.message) delete d.error.message;
      return;
    }
    case 'agent.tool_call': {
      const d = event.data as AgentToolCall;
      d.arguments = sized(d.arguments);
      return;
    }
    case 'agent.tool_result': {
      const d = event.data as AgentToolResult;
      delete d.result;
      return;
    }
  }
}
