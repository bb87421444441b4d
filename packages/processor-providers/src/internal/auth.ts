// Which credential a request used, without the credential: its kind, its public prefix, and a
// short salted hash — enough to attribute usage to a key. The same salt on every host makes the
// hashes comparable across hosts (config `auth_hash_salt`).
import { createHmac } from 'node:crypto';
import type { AuthInfo, HttpRequest } from '@oisp/core';
import { header } from './http-body.ts';

/** Public prefixes of provider keys, longest first: the part of a key that says what it is. */
const PUBLIC_PREFIXES = [
  'sk-ant-admin01-', 'sk-ant-api03-', 'sk-ant-', 'sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-or-v1-', 'sk-',
  'AIza', 'gsk_', 'xai-', 'pplx-', 'r8_', 'hf_', 'fw_', 'nvapi-', 'csk-',
];

export function keyPrefix(key: string): string {
  return PUBLIC_PREFIXES.find((p) => key.startsWith(p)) ?? '';
}

export function keyHash(key: string, salt: string): string {
  return 'hmac-sha256:' + createHmac('sha256', salt).update(key).digest('hex').slice(0, 16);
}

function info(type: string, key: string, salt: string, prefix = keyPrefix(key)): AuthInfo {
  const out: AuthInfo = { type, key_hash: keyHash(key, salt) };
  if (prefix) out.key_prefix = prefix;
  return out;
}

export function authOf(request: HttpRequest, salt: string): AuthInfo {
  const h = request.headers;
  const authorization = header(h, 'authorization');
  if (authorization) {
    const [scheme, rest = ''] = authorization.split(/\s+(.*)/s);
    if (/^bearer$/i.test(scheme)) return info('bearer', rest.trim(), salt);
    if (scheme === 'AWS4-HMAC-SHA256') {
      // SigV4 signs with a secret that never travels; the access key id names the credential.
      const id = /Credential=([A-Z0-9]+)\//.exec(rest)?.[1] ?? '';
      return info('sigv4', id, salt, id.slice(0, 4));
    }
    return info(scheme.toLowerCase(), rest.trim(), salt, '');
  }
  for (const name of ['x-api-key', 'api-key', 'x-goog-api-key']) {
    const v = header(h, name);
    if (v) return info('api_key', v, salt);
  }
  const q = request.url.indexOf('?');
  const key = q >= 0 ? new URLSearchParams(request.url.slice(q + 1)).get('key') : null;
  if (key) return info('api_key', key, salt);
  return { type: 'none' };
}
