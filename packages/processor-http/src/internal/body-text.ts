// Whether a body is text (by its content type, then by being valid UTF-8) and its text.

const TEXTUAL = /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|x-ndjson|jsonl|ndjson|json-seq|javascript|x-www-form-urlencoded|graphql|yaml|x-yaml)\b)/i;

/** The media type of a Content-Type header value, lower-case without parameters. */
export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function isTextualType(media: string): boolean {
  return TEXTUAL.test(media) || media.endsWith('+json') || media.endsWith('+xml');
}

/**
 * With no Content-Type at all (a client that omits it, or an HTTP/2 header we could not resolve),
 * text is what is valid UTF-8 without control bytes other than tab and line ends.
 */
export function sniffText(bytes: Uint8Array, cut: boolean): string | undefined {
  // Bytes below 0x80 are never part of a multi-byte UTF-8 sequence: a control byte is a control
  // character. One memchr per control byte is five times faster than a regex over the text.
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  for (const c of CONTROL_BYTES) if (view.indexOf(c) !== -1) return undefined;
  return utf8Text(bytes, cut);
}

/** C0 controls but tab, line feed and carriage return, and DEL. */
const CONTROL_BYTES = [...Array(0x20).keys(), 0x7f].filter((c) => c !== 0x09 && c !== 0x0a && c !== 0x0d);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The bytes as UTF-8 text, or undefined when they are not valid UTF-8. When `cut`, the body was
 * truncated and may end inside a multi-byte sequence: that incomplete tail is dropped.
 */
export function utf8Text(bytes: Uint8Array, cut: boolean): string | undefined {
  let view = bytes;
  if (cut) view = bytes.subarray(0, bytes.length - incompleteUtf8Tail(bytes));
  try {
    return strictUtf8.decode(view);
  } catch {
    return undefined;
  }
}

/** How many bytes at the end start a UTF-8 sequence that is not complete. */
function incompleteUtf8Tail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}
