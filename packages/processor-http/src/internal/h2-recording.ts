// Test support: real HTTP/2 bytes. Node's http2 client and server (h2c) talk through a recording
// TCP relay (recording-relay.ts).
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import { startRecordingRelay, type Recorded } from './recording-relay.ts';

export type { Recorded };

export interface H2Session {
  client: http2.ClientHttp2Session;
  chunks: Recorded[];
  close(): Promise<void>;
}

/** `settings`: the server's SETTINGS (enableConnectProtocol for WebSockets over HTTP/2). */
export async function recordH2(handler: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void, settings: http2.Settings = {}): Promise<H2Session> {
  const server = http2.createServer({ settings });
  server.on('stream', handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const relay = await startRecordingRelay((server.address() as net.AddressInfo).port);
  const chunks = relay.chunks;
  const client = http2.connect(`http://127.0.0.1:${relay.port}`);
  await once(client, 'connect');
  // A client may use what the server's SETTINGS allow only once they came.
  if (Object.keys(settings).length > 0 && !client.remoteSettings.enableConnectProtocol) await once(client, 'remoteSettings');
  return {
    client,
    chunks,
    async close() {
      client.close();
      await once(client, 'close');
      relay.close();
      server.close();
    },
  };
}

/** One request on the client; resolves with the response status, headers, body and trailers. */
export function h2Request(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string | Buffer): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string; trailers?: http2.IncomingHttpHeaders; reset?: boolean }> {
  return new Promise((resolve, reject) => {
    const req = client.request(headers, { endStream: body === undefined });
    let status = 0;
    let resHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const parts: Buffer[] = [];
    req.on('response', (h) => {
      status = Number(h[':status']);
      resHeaders = h;
    });
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve({ status, headers: resHeaders, body: Buffer.concat(parts).toString(), ...(trailers ? { trailers } : {}) }));
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ERR_HTTP2_STREAM_ERROR' ? resolve({ status, headers: resHeaders, body: Buffer.concat(parts).toString(), reset: true }) : reject(err)));
    if (body !== undefined) req.end(body);
  });
}
