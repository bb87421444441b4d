// Message content in the GenAI conventions' JSON shapes (gen_ai.input.messages, .output.messages,
// .system_instructions, .tool.definitions), each capped at max bytes while staying valid JSON:
// long strings are cut first (marked), then the oldest messages are left out (marked).
import type { AiChoice, AiMessage, ContentPart, ToolDefinition } from '@oisp/core';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Part = Record<string, Json>;

function json(value: unknown): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}

function partOf(p: ContentPart): Part {
  const { type, ...rest } = p as { type: string } & Record<string, unknown>;
  if (type === 'text') return { type: 'text', content: String(rest.text ?? '') };
  if (type === 'tool_call') return { type: 'tool_call', id: json(rest.id), name: json(rest.name), arguments: json(rest.arguments) };
  if (type === 'tool_result') return { type: 'tool_call_response', id: json(rest.tool_call_id), response: json(rest.content) };
  if (type === 'thinking') return { type: 'reasoning', content: json(rest.text ?? '') };
  if (type === 'image' || type === 'audio' || type === 'video' || type === 'file') {
    // We never keep inline data: a reference when there is one, else what is known of the blob.
    const modality = type === 'file' ? 'document' : type;
    if (typeof rest.uri === 'string') return { type: 'uri', modality, uri: rest.uri, ...(rest.mime_type ? { mime_type: json(rest.mime_type) } : {}) };
    if (typeof rest.file_id === 'string') return { type: 'file', modality, file_id: rest.file_id, ...(rest.mime_type ? { mime_type: json(rest.mime_type) } : {}) };
    return { type: 'blob', modality, ...(rest.mime_type ? { mime_type: json(rest.mime_type) } : {}), ...(rest.bytes !== undefined ? { size: json(rest.bytes) } : {}) };
  }
  return { type, ...(json(rest) as Part) };
}

function partsOf(m: AiMessage): Part[] {
  const parts: Part[] = [];
  if (typeof m.content === 'string') parts.push(m.role === 'tool' ? { type: 'tool_call_response', id: json(m.tool_call_id), response: m.content } : { type: 'text', content: m.content });
  else if (Array.isArray(m.content)) parts.push(...m.content.map(partOf));
  for (const c of m.tool_calls ?? []) parts.push({ type: 'tool_call', id: c.id, name: c.name, arguments: json(c.arguments) });
  return parts;
}

export function systemInstructions(messages: AiMessage[] | undefined): Json[] | undefined {
  const system = (messages ?? []).filter((m) => m.role === 'system' || m.role === 'developer');
  return system.length ? system.flatMap(partsOf) : undefined;
}

export function inputMessages(messages: AiMessage[] | undefined): Json[] | undefined {
  const rest = (messages ?? []).filter((m) => m.role !== 'system' && m.role !== 'developer');
  return rest.length ? rest.map((m) => ({ role: m.role, parts: partsOf(m), ...(m.name ? { name: m.name } : {}) })) : undefined;
}

export function outputMessages(choices: AiChoice[] | undefined): Json[] | undefined {
  return choices?.length ? choices.map((c) => ({ role: c.message.role, parts: partsOf(c.message), finish_reason: c.finish_reason ?? null })) : undefined;
}

export function toolDefinitions(tools: ToolDefinition[] | undefined): Json[] | undefined {
  return tools?.length ? tools.map((t) => ({ type: t.type, name: t.name, ...(t.description ? { description: t.description } : {}), ...(t.parameters !== undefined ? { parameters: json(t.parameters) } : {}) })) : undefined;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The longest string inside `value`, with a setter: what to cut next. */
function longestString(value: Json, best: { len: number; set?: (s: string) => void; get?: () => string } = { len: -1 }) {
  if (Array.isArray(value)) value.forEach((v, i) => (typeof v === 'string' ? consider(v, (s) => (value[i] = s)) : longestString(v, best)));
  else if (value && typeof value === 'object') for (const k of Object.keys(value)) {
    const v = value[k];
    if (typeof v === 'string') consider(v, (s) => (value[k] = s));
    else longestString(v, best);
  }
  function consider(s: string, set: (s: string) => void) {
    if (s.length > best.len) {
      best.len = s.length;
      best.set = set;
      best.get = () => s;
    }
  }
  return best;
}

/** JSON text of `value` within `max` bytes, valid JSON always; `truncated` says whether it was cut. */
export function capJson(value: Json[], max: number): { text: string; truncated: boolean } {
  let text = JSON.stringify(value);
  if (bytes(text) <= max) return { text, truncated: false };
  const copy = JSON.parse(text) as Json[];
  // 1. Halve the longest strings until it fits or every string is short.
  for (;;) {
    const longest = longestString(copy);
    if (!longest.set || longest.len <= 64) break;
    const s = longest.get!();
    const keep = Math.floor(s.length / 2);
    longest.set(`${s.slice(0, keep)}…[${s.length - keep} chars truncated]`);
    text = JSON.stringify(copy);
    if (bytes(text) <= max) return { text, truncated: true };
  }
  // 2. Leave out the oldest entries, saying how many.
  let dropped = 0;
  while (copy.length > 1) {
    copy.shift();
    dropped++;
    text = JSON.stringify([{ role: 'oisp.truncated', parts: [{ type: 'text', content: `${dropped} earlier entries left out` }] }, ...copy]);
    if (bytes(text) <= max) return { text, truncated: true };
  }
  return { text: JSON.stringify([{ role: 'oisp.truncated', parts: [{ type: 'text', content: 'content larger than max_content_bytes' }] }]), truncated: true };
}
