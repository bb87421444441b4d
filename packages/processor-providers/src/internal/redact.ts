// Secrets never leave: every string the processor emits is searched for credentials, JSON-aware
// (a tool call's arguments are often JSON inside a string: parsed, redacted, written back, so
// they stay valid JSON), and headers and query parameters that carry credentials are blanked.
// Each event says where it was redacted (attrs["oisp.redacted"]: JSON paths).
import type { HttpHeaders } from '@oisp/core';
import { REDACTED, SECRET_PATTERNS } from './secret-patterns.ts';

/** Headers whose value is a credential, whatever it looks like. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'set-cookie', 'x-amz-security-token', 'ocp-apim-subscription-key', 'x-auth-token']);
/** Query parameters whose value is a credential. */
const SECRET_PARAMS = /^(?:key|api[-_]?key|access[-_]?token|token|auth|signature|x-amz-signature|x-amz-credential|x-amz-security-token|sig)$/i;

/** The text with every secret replaced (its public prefix kept); `found` counts what was replaced. */
export function redactText(text: string): { text: string; found: number } {
  let found = 0;
  let out = text;
  for (const p of SECRET_PATTERNS) {
    p.re.lastIndex = 0;
    if (!p.re.test(out)) continue;
    p.re.lastIndex = 0;
    out = out.replace(p.re, (m) => {
      found++;
      return p.keep(m) + REDACTED;
    });
  }
  return { text: out, found };
}

const MIN_SECRET = 16;

/** A cheap test first: most strings hold nothing that could be a credential. */
const MAYBE = /sk-|AIza|AKIA|ASIA|gh[pousr]_|github_pat_|xox|eyJ|Bearer|Basic|PRIVATE KEY|_[A-Za-z0-9]{20}|xai-|aws_secret|secretAccessKey|AWS_SECRET/;

/**
 * Redacts secrets inside any JSON-shaped value, in place where it can, returning the new value.
 * `paths` collects where something was redacted.
 */
export function redactValue(value: unknown, path: string, paths: string[]): unknown {
  if (typeof value === 'string') {
    // No credential we know is shorter than this; most strings are either short or clean.
    if (value.length < MIN_SECRET || !MAYBE.test(value)) return value;
    const trimmed = value.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        const parsed = JSON.parse(value);
        const before = paths.length;
        const redacted = redactValue(parsed, path, paths);
        return paths.length > before ? JSON.stringify(redacted) : value;
      } catch {
        // not JSON: treat as text
      }
    }
    const r = redactText(value);
    if (r.found > 0) paths.push(path);
    return r.text;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = redactValue(value[i], `${path}[${i}]`, paths);
    return value;
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = redactValue(obj[k], `${path}.${k}`, paths);
    return obj;
  }
  return value;
}

/** Header values that are credentials, blanked (their scheme kept); others searched like text. */
export function redactHeaders(headers: HttpHeaders, path: string, paths: string[]): HttpHeaders {
  const out: HttpHeaders = {};
  for (const [name, values] of Object.entries(headers)) {
    if (SECRET_HEADERS.has(name)) {
      out[name] = values.map((v) => {
        const scheme = /^(Bearer|Basic|AWS4-HMAC-SHA256|Digest)\s/i.exec(v)?.[1];
        return scheme ? `${scheme} ${REDACTED}` : REDACTED;
      });
      paths.push(`${path}.${name}`);
    } else out[name] = values.map((v, i) => redactValue(v, `${path}.${name}[${i}]`, paths) as string);
  }
  return out;
}

/** A URL (or path with query) with credential-carrying query parameters blanked. */
export function redactUrl(url: string, path: string, paths: string[]): string {
  const q = url.indexOf('?');
  if (q < 0) return redactValue(url, path, paths) as string;
  let changed = false;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq > 0 && SECRET_PARAMS.test(decodeURIComponent(pair.slice(0, eq)))) {
        changed = true;
        return `${pair.slice(0, eq)}=${encodeURIComponent(REDACTED)}`;
      }
      return pair;
    })
    .join('&');
  if (changed) paths.push(path);
  return redactValue(url.slice(0, q), path, paths) + '?' + query;
}
