// ${env:VAR}, ${env:VAR:-default} and $$ in parsed scalar values (never keys, never raw text).
import { parse as parseYamlScalar } from 'yaml';
import { joinPath } from './errors.ts';
import { isPlainObject } from './merge.ts';

const REFERENCE = /\$\$|\$\{([^}]*)\}|\$\{/g;
const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

export type Env = Record<string, string | undefined>;

/** Expands one string; problems are pushed to `errors` prefixed with the path. */
export function expandString(text: string, env: Env, path: string, errors: string[]): unknown {
  if (!text.includes('$')) return text;
  let whole = false;
  const out = text.replace(REFERENCE, (match, inner: string | undefined, offset: number) => {
    if (match === '$$') return '$';
    if (inner === undefined) {
      errors.push(`${path}: unterminated "\${" at character ${offset + 1}`);
      return match;
    }
    const m = ENV_REF.exec(inner);
    if (!m) {
      errors.push(`${path}: bad environment reference "${match}"; write \${env:NAME} or \${env:NAME:-default} (and $$ for a literal $)`);
      return match;
    }
    const [, name, fallback] = m;
    const value = env[name];
    if (value !== undefined && value !== '') {
      whole = match.length === text.length;
      return value;
    }
    if (fallback !== undefined) {
      whole = match.length === text.length;
      return fallback;
    }
    errors.push(`${path}: environment variable ${name} is not set; set it or give a default: \${env:${name}:-value}`);
    return match;
  });
  // A value that is one reference alone takes the type its text has (a port stays a number).
  if (whole) {
    try {
      const typed = parseYamlScalar(out);
      if (typeof typed === 'number' || typeof typed === 'boolean') return typed;
    } catch {
      // not a scalar: keep the string
    }
  }
  return out;
}

export function expandEnv(value: unknown, env: Env, path: (string | number)[], errors: string[]): unknown {
  if (typeof value === 'string') return expandString(value, env, joinPath(path), errors);
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, [...path, i], errors));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, [...path, k], errors);
    return out;
  }
  return value;
}
