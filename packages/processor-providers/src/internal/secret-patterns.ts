// What a secret looks like inside text: provider API keys, cloud and chat-app tokens, JWTs,
// private keys, bearer credentials. Each match is replaced by its public prefix and a marker, so
// a reader can still tell what kind of credential was there.

export interface SecretPattern {
  kind: string;
  re: RegExp;
  /** The part of a match that may stay (a key's public prefix); the rest is redacted. */
  keep(match: string): string;
}

const prefix = (re: RegExp) => (m: string) => re.exec(m)?.[0] ?? '';

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { kind: 'private_key', re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g, keep: () => '-----BEGIN PRIVATE KEY-----' },
  { kind: 'anthropic_key', re: /\bsk-ant-[A-Za-z0-9]+-[A-Za-z0-9_-]{20,}/g, keep: prefix(/^sk-ant-[a-z]+\d*-/) },
  { kind: 'openai_key', re: /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}/g, keep: prefix(/^sk-(?:proj-|svcacct-|admin-|None-)?/) },
  { kind: 'google_key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g, keep: () => 'AIza' },
  { kind: 'aws_access_key', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, keep: (m) => m.slice(0, 4) },
  { kind: 'aws_secret', re: /(aws_secret_access_key|secretAccessKey|AWS_SECRET_ACCESS_KEY)(["']?\s*[=:]\s*["']?)[A-Za-z0-9/+=]{40}/g, keep: (m) => /^[^=:]+[=:]\s*["']?/.exec(m)?.[0] ?? '' },
  { kind: 'github_token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})\b/g, keep: prefix(/^(?:gh[pousr]_|github_pat_)/) },
  { kind: 'slack_token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, keep: (m) => m.slice(0, 5) },
  { kind: 'provider_key', re: /\b(?:gsk|hf|pplx|r8|fw|nvapi|csk)_[A-Za-z0-9]{20,}\b|\bxai-[A-Za-z0-9]{20,}\b/g, keep: prefix(/^[a-z0-9]+[_-]/) },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, keep: () => 'eyJ' },
  { kind: 'bearer', re: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/g, keep: (m) => m.split(/\s+/)[0] + ' ' },
];

export const REDACTED = '…[REDACTED]';
