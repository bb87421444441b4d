// Content-Encoding removal with node:zlib (gzip, deflate, br, zstd). Output is capped so a small
// compressed body cannot blow up memory; a body that fails to decode is kept raw, with the reason.
import zlib from 'node:zlib';

export interface DecodeResult {
  bytes: Uint8Array;
  /** Encodings removed, as listed in the header (e.g. "gzip"). */
  encoding?: string;
  error?: string;
  /** Output stopped at the cap. */
  capped?: boolean;
}

/** Parse a Content-Encoding header value into codings, in the order they were applied. */
export function parseContentEncoding(values: string[] | undefined): string[] {
  if (!values) return [];
  const codings: string[] = [];
  for (const v of values) {
    for (const part of v.split(',')) {
      const c = part.trim().toLowerCase();
      if (c !== '' && c !== 'identity') codings.push(c);
    }
  }
  return codings;
}

/**
 * Undo the codings (last applied first). `partial`: the input was cut, so decode what is there
 * instead of failing on the missing end.
 */
export function decodeContent(input: Uint8Array, codings: string[], maxOutput: number, partial: boolean): DecodeResult {
  if (codings.length === 0) return { bytes: input };
  const encoding = codings.join(', ');
  let bytes = input;
  try {
    for (let i = codings.length - 1; i >= 0; i--) bytes = decodeOne(bytes, codings[i], maxOutput, partial);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      return { bytes: input, encoding, error: `decoded body over max_body_bytes (${maxOutput})`, capped: true };
    }
    return { bytes: input, encoding, error: `${codings.join(', ')}: ${e.message}` };
  }
  return { bytes, encoding };
}

function decodeOne(input: Uint8Array, coding: string, maxOutputLength: number, partial: boolean): Uint8Array {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(input, { maxOutputLength, finishFlush: partial ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.Z_FINISH });
    case 'deflate':
      // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
      try {
        return zlib.inflateSync(input, { maxOutputLength, finishFlush: partial ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.Z_FINISH });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw err;
        return zlib.inflateRawSync(input, {
          maxOutputLength,
          finishFlush: partial ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.Z_FINISH,
        });
      }
    case 'br':
      return zlib.brotliDecompressSync(input, {
        maxOutputLength,
        finishFlush: partial ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.BROTLI_OPERATION_FINISH,
      });
    case 'zstd':
      return zlib.zstdDecompressSync(input, {
        maxOutputLength,
        finishFlush: partial ? zlib.constants.ZSTD_e_flush : zlib.constants.ZSTD_e_end,
      });
    default:
      throw new Error(`unsupported content-encoding "${coding}"`);
  }
}
