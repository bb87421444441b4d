// One OTLP/HTTP protobuf POST and what its outcome means for the batch: delivered (perhaps with
// some spans rejected), try again (429, 502, 503, 504, a timeout, a connection error), or give up
// (any other 4xx/5xx: a retry would be refused the same way).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { retryAfterMs } from './retry-policy.ts';

export type SendResult =
  | { kind: 'ok'; rejectedSpans: number; message?: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'fail'; reason: string; status?: number; body?: string };

const RETRYABLE = new Set([429, 502, 503, 504]);

export interface OtlpHttpOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  gzip: boolean;
  caFile?: string;
}

export class OtlpHttpClient {
  readonly #url: URL;
  readonly #options: OtlpHttpOptions;
  readonly #agent: http.Agent;

  constructor(options: OtlpHttpOptions) {
    this.#options = options;
    this.#url = new URL(options.url);
    this.#agent = this.#url.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}) })
      : new http.Agent({ keepAlive: true });
  }

  send(body: Uint8Array): Promise<SendResult> {
    const payload = this.#options.gzip ? gzipSync(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const headers: Record<string, string> = {
      ...this.#options.headers,
      'content-type': 'application/x-protobuf',
      'content-length': String(payload.length),
      ...(this.#options.gzip ? { 'content-encoding': 'gzip' } : {}),
    };
    const lib = this.#url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: SendResult) => {
        if (!settled) {
          settled = true;
          resolve(r);
        }
      };
      const req = lib.request(this.#url, { method: 'POST', headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => done({ kind: 'retry', reason: `response: ${err.message}` }));
        res.on('end', () => {
          const data = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            let rejectedSpans = 0;
            let message: string | undefined;
            try {
              const parsed = data.length ? ProtobufTraceSerializer.deserializeResponse(new Uint8Array(data)) : {};
              rejectedSpans = Number(parsed.partialSuccess?.rejectedSpans ?? 0);
              message = parsed.partialSuccess?.errorMessage || undefined;
            } catch {
              // A 2xx whose body is not an ExportTraceServiceResponse still delivered the batch.
            }
            done({ kind: 'ok', rejectedSpans, ...(message ? { message } : {}) });
          } else if (RETRYABLE.has(status)) {
            done({ kind: 'retry', reason: `HTTP ${status}`, retryAfterMs: retryAfterMs(res.headers['retry-after']) });
          } else {
            done({ kind: 'fail', reason: `HTTP ${status}`, status, body: data.subarray(0, 2048).toString('utf8') });
          }
        });
      });
      req.setTimeout(this.#options.timeoutMs, () => {
        req.destroy(new Error(`no response within ${this.#options.timeoutMs} ms`));
      });
      req.on('error', (err) => done({ kind: 'retry', reason: err.message }));
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
