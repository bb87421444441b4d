// Tool results a request carries back to the model. A conversation re-sends its whole history on
// every turn, so only the results after the last assistant message are new; their tool's name
// comes from the assistant message that asked (by call id).
import type { AiMessage, ContentPart, ToolCall } from '@oisp/core';

export interface FoundToolResult {
  callId: string;
  name: string;
  result: unknown;
  isError?: boolean;
}

function callsById(messages: AiMessage[]): Map<string, ToolCall> {
  const byId = new Map<string, ToolCall>();
  for (const m of messages) for (const c of m.tool_calls ?? []) if (c.id) byId.set(c.id, c);
  for (const m of messages) {
    if (!Array.isArray(m.content)) continue;
    for (const p of m.content) if (p.type === 'tool_call' && typeof p.id === 'string') byId.set(p.id, { id: p.id, name: String(p.name ?? ''), type: 'function', arguments: p.arguments });
  }
  return byId;
}

export function newToolResults(messages: AiMessage[] | undefined): FoundToolResult[] {
  if (!messages) return [];
  let lastAssistant = -1;
  messages.forEach((m, i) => {
    if (m.role === 'assistant' || m.role === 'model') lastAssistant = i;
  });
  const byId = callsById(messages);
  const found: FoundToolResult[] = [];
  for (const m of messages.slice(lastAssistant + 1)) {
    if (m.role === 'tool' && m.tool_call_id !== undefined) {
      found.push({ callId: m.tool_call_id, name: m.name ?? byId.get(m.tool_call_id)?.name ?? '', result: m.content });
    }
    if (!Array.isArray(m.content)) continue;
    for (const part of m.content as ContentPart[]) {
      if (part.type !== 'tool_result') continue;
      const p = part as Extract<ContentPart, { type: 'tool_result' }>;
      const callId = typeof p.tool_call_id === 'string' ? p.tool_call_id : '';
      const name = typeof p.name === 'string' ? p.name : (byId.get(callId)?.name ?? '');
      const r: FoundToolResult = { callId, name, result: p.content };
      if (typeof p.is_error === 'boolean') r.isError = p.is_error;
      found.push(r);
    }
  }
  return found;
}
