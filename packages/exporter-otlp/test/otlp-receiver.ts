// A local OTLP/HTTP receiver for tests: decodes every request with the reference decoder (not our
// encoder run backwards) and answers as the test says — 200, an error status with Retry-After,
// a partial success, a hang, or a connection cut mid-request.
import { once } from 'node:events';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { decodeTraceRequest, encodeTraceResponse, type OtlpSpan, type OtlpTraceRequest } from '@oisp/otlp-reference';

export type Answer =
  | { status: 200; rejected?: number; message?: string }
  | { status: number; retryAfter?: string; body?: string }
  | 'hang'
  | 'cut';

export interface ReceivedSpan extends OtlpSpan {
  resource: Record<string, unknown>;
  scope: { name?: string; version?: string };
}

export class OtlpReceiver {
  readonly requests: OtlpTraceRequest[] = [];
  /** Spans of requests answered 200, in arrival order (duplicates kept). */
  readonly accepted: ReceivedSpan[] = [];
  /** Every request's headers. */
  readonly headers: http.IncomingHttpHeaders[] = [];
  answer: (n: number) => Answer = () => ({ status: 200 });
  #server = http.createServer();
  #n = 0;
  port = 0;

  async start(port = 0): Promise<this> {
    this.#server.on('request', (req, res) => void this.#handle(req, res));
    this.#server.listen(port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.port = (this.#server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const n = this.#n++;
    const answer = this.answer(n);
    if (answer === 'hang') return; // never answer: the client's timeout must fire
    if (answer === 'cut') {
      req.socket.destroy();
      return;
    }
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const decoded = decodeTraceRequest(body);
    this.requests.push(decoded);
    this.headers.push(req.headers);
    if (answer.status === 200) {
      for (const rs of decoded.resourceSpans ?? []) {
        const resource = Object.fromEntries((rs.resource?.attributes ?? []).map((kv) => [kv.key, kv.value.stringValue ?? (kv.value.intValue !== undefined ? Number(kv.value.intValue) : kv.value.boolValue ?? kv.value.doubleValue)]));
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) this.accepted.push({ ...s, resource, scope: { name: ss.scope?.name, version: ss.scope?.version } });
      }
      const a = answer as { rejected?: number; message?: string };
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end(Buffer.from(encodeTraceResponse(a.rejected ?? 0, a.message ?? '')));
      return;
    }
    const a = answer as { status: number; retryAfter?: string; body?: string };
    res.writeHead(a.status, { 'content-type': 'text/plain', ...(a.retryAfter ? { 'retry-after': a.retryAfter } : {}) });
    res.end(a.body ?? `status ${a.status}`);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
