// Per-message hashes: kept even when content capture is off, so a later request that repeats a
// conversation's messages can still be linked to it (processor-agent does that).
import { hash } from 'node:crypto';
import type { AiMessage } from '@oisp/core';

export function hashOf(value: unknown): string {
  return 'sha256:' + hash('sha256', typeof value === 'string' ? value : JSON.stringify(value ?? null), 'hex').slice(0, 32);
}

/** The hash covers what the message says (role, content, tool calls, tool call id), not our added fields. */
export function messageHash(m: AiMessage): string {
  return hashOf([m.role, m.content ?? null, m.tool_calls?.map((c) => [c.id, c.name, c.arguments]) ?? null, m.tool_call_id ?? null]);
}

export function contentLength(content: AiMessage['content']): number {
  if (content === undefined) return 0;
  if (typeof content === 'string') return content.length;
  return content.reduce((n, p) => n + (typeof (p as { text?: unknown }).text === 'string' ? ((p as { text: string }).text.length) : 0), 0);
}

/** Adds content_hash and content_length to every message, in place. */
export function annotateMessages(messages: AiMessage[]): void {
  for (const m of messages) {
    m.content_hash = messageHash(m);
    m.content_length = contentLength(m.content);
  }
}
