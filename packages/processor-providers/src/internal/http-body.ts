// Reading HTTP messages made by processor-http: headers, JSON bodies, stream events.
import type { HttpBody, HttpHeaders, HttpStreamEvent } from '@oisp/core';

export function header(headers: HttpHeaders, name: string): string | undefined {
  return headers[name]?.[0];
}

/** The body as text, when processor-http could decode it as text. */
export function bodyText(body: HttpBody | undefined): string | undefined {
  return body?.text;
}

/** The body as raw bytes (text or base64), for binary framings such as AWS event streams. */
export function bodyBytes(body: HttpBody | undefined): Uint8Array | undefined {
  if (!body) return undefined;
  if (body.base64 !== undefined) return Buffer.from(body.base64, 'base64');
  if (body.text !== undefined) return Buffer.from(body.text, 'utf8');
  return undefined;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** The JSON body, or why there is none: absent, not JSON, cut short. */
export function jsonBody(body: HttpBody | undefined): JsonResult {
  const text = bodyText(body);
  if (text === undefined || text.length === 0) return { ok: false, error: body?.decode_error ?? 'no text body' };
  const parsed = parseJson(text);
  if (!parsed.ok && body?.truncated) return { ok: false, error: 'body truncated at max_body_bytes' };
  return parsed;
}

/** Each stream event's data parsed as JSON; events that are not JSON ([DONE], keep-alives) are given as text. */
export function streamJson(events: HttpStreamEvent[] | undefined): { event: HttpStreamEvent; json?: unknown }[] {
  return (events ?? []).map((event) => {
    const data = event.data.trim();
    if (data === '' || (data[0] !== '{' && data[0] !== '[')) return { event };
    const parsed = parseJson(data);
    return parsed.ok ? { event, json: parsed.value } : { event };
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The listed keys of `source` that are present, for `parameters`. */
export function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return Object.keys(out).length > 0 ? out : undefined;
}
