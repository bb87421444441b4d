// A local stand-in for the providers' APIs, for live capture tests: one TLS server on a loopback
// address of its own (port 443, so SDKs keep their default base URLs), answering each API family in
// its documented shape. It behaves like a model in an agent loop: a request that offers tools and
// carries no tool result yet gets a tool call; any other request gets text. Streams are sent event by
// event, each in its own write, as providers do. gRPC calls to Google's Generative Language API are
// answered too (grpc-responder.ts), and the Responses API over a WebSocket (websocket-responder.ts).
import { once } from 'node:events';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { answerGrpc, isGrpcRequest } from './grpc-responder.ts';
import { respond, type Reply } from './responders.ts';
import { webSocketUpgrade } from './websocket-responder.ts';

export interface MockProvider {
  ip: string;
  /** Every request the mock answered: host, path and parsed body, in order. */
  received: { host: string; path: string; body: unknown }[];
  close(): Promise<void>;
}

type Req = http2.Http2ServerRequest;
type Res = http2.Http2ServerResponse;

async function readRaw(req: Req): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function readBody(req: Req): Promise<unknown> {
  const text = (await readRaw(req)).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function send(res: Res, reply: Reply): Promise<void> {
  res.writeHead(reply.status ?? 200, reply.headers ?? {});
  if (reply.chunks) {
    for (const chunk of reply.chunks) {
      res.write(chunk);
      await new Promise((r) => setTimeout(r, 2));
    }
    res.end();
  } else res.end(reply.body ?? '');
}

export async function startMockProvider(opts: { cert: string; key: string; ip: string }): Promise<MockProvider> {
  const received: MockProvider['received'] = [];
  // HTTP/1.1 and HTTP/2 on one port, chosen by ALPN: most SDKs speak 1.1, the AWS SDK h2 only.
  const server = http2.createSecureServer({ cert: readFileSync(opts.cert), key: readFileSync(opts.key), allowHTTP1: true }, (req, res) => {
    void (async () => {
      const host = (req.headers.host ?? req.authority ?? '').split(':')[0];
      const url = new URL(req.url ?? '/', `https://${host}`);
      if (isGrpcRequest(req)) {
        received.push({ host, path: url.pathname, body: await answerGrpc(req, res, await readRaw(req)) });
        return;
      }
      const body = await readBody(req);
      received.push({ host, path: url.pathname, body });
      await send(res, respond({ host, path: url.pathname, query: url.searchParams, method: req.method ?? 'GET', headers: req.headers, body }));
    })().catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  // HTTP/1.1 upgrades (allowHTTP1) reach here: WebSocket clients.
  server.on('upgrade', webSocketUpgrade(received));
  server.listen(443, opts.ip);
  await once(server, 'listening');
  return {
    ip: opts.ip,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
