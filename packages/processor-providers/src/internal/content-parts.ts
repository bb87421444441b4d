// Multimodal content as typed parts with sizes: an image sent as base64 is recorded as
// {type: image, mime_type, bytes}, never as the base64 itself.
import type { ContentPart, MediaPart } from '@oisp/core';

/** Decoded size of a base64 string, without decoding it. */
export function base64Bytes(b64: string): number {
  const clean = b64.replace(/\s+/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

export type MediaKind = 'image' | 'audio' | 'file' | 'video';

export function kindOfMime(mime: string | undefined, fallback: MediaKind = 'file'): MediaKind {
  if (!mime) return fallback;
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'file';
}

/** A data: URI becomes its mime type and size; any other URI is kept as the reference it is. */
export function mediaPart(kind: MediaKind, uriOrData: string | undefined, mime?: string): MediaPart {
  if (uriOrData?.startsWith('data:')) {
    const m = /^data:([^;,]*)(;base64)?,/.exec(uriOrData);
    const payload = uriOrData.slice(m ? m[0].length : 5);
    const part: MediaPart = { type: kind, bytes: m?.[2] ? base64Bytes(payload) : payload.length };
    if (m?.[1] || mime) part.mime_type = m?.[1] || mime;
    return part;
  }
  const part: MediaPart = { type: kind };
  if (mime) part.mime_type = mime;
  if (uriOrData) part.uri = uriOrData;
  return part;
}

/** Inline base64 data with a separate mime type (Anthropic, Gemini, Bedrock bytes). */
export function inlinePart(kind: MediaKind, base64: string | undefined, mime?: string): MediaPart {
  const part: MediaPart = { type: kind };
  if (mime) part.mime_type = mime;
  if (typeof base64 === 'string') part.bytes = base64Bytes(base64);
  return part;
}

/** Text parts only, as one string (for TTFT, thinking, single-text messages). */
export function joinText(parts: ContentPart[]): string {
  return parts
    .filter((p): p is { type: 'text'; text: string } => p.type === 'text' && typeof (p as { text?: unknown }).text === 'string')
    .map((p) => p.text)
    .join('');
}

/** One text part collapses to a string (how most APIs write simple messages); anything else stays parts. */
export function simplify(parts: ContentPart[]): string | ContentPart[] {
  if (parts.length === 1 && parts[0].type === 'text') return (parts[0] as { text: string }).text;
  return parts;
}
