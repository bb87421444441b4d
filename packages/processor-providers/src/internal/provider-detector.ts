// Which provider a request went to: by the Host header, else the TLS SNI, else the remote address;
// by port for local model servers; else by API shape (a known path with a body of the right shape)
// for OpenAI-compatible servers anywhere. Each answer says how it was reached.
import type { HttpRequest, ProviderRef } from '@oisp/core';
import type { ApiStyle, ProviderSpec } from './provider-table.ts';

export interface Detected {
  provider: ProviderRef;
  api: ApiStyle;
}

interface CompiledSpec {
  spec: ProviderSpec;
  hosts: RegExp[];
  /** A config endpoint may pin a port with the host (`llm.corp:8443`). */
  port?: number;
  detectedBy: string;
}

/** `*` stands for one or more DNS labels (`bedrock-runtime.*.amazonaws.com` matches any region). */
function hostPattern(pattern: string): RegExp {
  const escaped = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[a-z0-9.-]+');
  return new RegExp(`^${escaped}$`);
}

/** `host[:port]` -> [host, port]; IPv6 in brackets kept whole. */
export function splitHostPort(value: string): [string, number | undefined] {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value.trim().toLowerCase());
  if (!m) return [value.toLowerCase(), undefined];
  return [m[1], m[2] === undefined ? undefined : Number(m[2])];
}

export class ProviderDetector {
  readonly #specs: CompiledSpec[];

  /** `configured` rows come first and win over the built-in table. */
  constructor(builtin: readonly ProviderSpec[], configured: readonly ProviderSpec[] = []) {
    const compile = (spec: ProviderSpec, detectedBy: string): CompiledSpec => {
      const hostOnly = (spec.hosts ?? []).map((h) => splitHostPort(h));
      const port = hostOnly.find(([, p]) => p !== undefined)?.[1];
      return { spec, hosts: hostOnly.map(([h]) => hostPattern(h)), port, detectedBy };
    };
    this.#specs = [...configured.map((s) => compile(s, 'config')), ...builtin.map((s) => compile(s, 'host'))];
  }

  /** The provider this request went to, or undefined when nothing names one (API shape is the caller's next try). */
  detect(request: HttpRequest): Detected | undefined {
    const candidates: [string | undefined, string][] = [
      [request.headers.host?.[0] ?? request.headers[':authority']?.[0], 'host'],
      [request.conn.sni, 'sni'],
      [request.conn.remote?.ip, 'address'],
    ];
    for (const [value, via] of candidates) {
      if (!value) continue;
      const [host, headerPort] = splitHostPort(value);
      const port = headerPort ?? request.conn.remote?.port;
      for (const c of this.#specs) {
        if (c.port !== undefined && c.port !== port) continue;
        if (c.hosts.some((re) => re.test(host))) {
          return this.#answer(c, c.detectedBy === 'config' ? 'config' : via, host, port);
        }
      }
    }
    const port = request.conn.remote?.port ?? splitHostPort(request.headers.host?.[0] ?? '')[1];
    if (port !== undefined) {
      for (const c of this.#specs) {
        if (c.spec.ports?.includes(port)) return this.#answer(c, 'port', request.host ?? `:${port}`, port);
      }
    }
    return undefined;
  }

  #answer(c: CompiledSpec, via: string, host: string, port: number | undefined): Detected {
    const endpoint = port === undefined || port === 443 ? host : `${host}:${port}`;
    const provider: ProviderRef = { name: c.spec.name, endpoint, detected_by: via };
    const region = regionOf(c.spec.name, host);
    if (region) provider.region = region;
    return { provider, api: c.spec.api };
  }
}

/** Region where the host names one (Bedrock, Azure, Vertex). */
function regionOf(name: string, host: string): string | undefined {
  if (name === 'aws.bedrock') return /^bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host)?.[1];
  if (name === 'gcp.vertex_ai') return /^([a-z0-9-]+)-aiplatform\.googleapis\.com$/.exec(host)?.[1];
  return undefined;
}
