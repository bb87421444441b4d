// Test support: real WebSocket bytes. A `ws` client and server (permessage-deflate on, every
// message compressed unless sent with compress: false) talk through a recording relay; what each
// side received is kept too, as the oracle for what the processor must decode.
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import WebSocket, { WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import { startRecordingRelay, type Recorded } from './recording-relay.ts';

export interface Received {
  /** Text as text, binary as base64: how the processor reports them. */
  kind: 'text' | 'binary';
  data: string;
}

export interface WsRecording {
  client: WebSocket;
  /** The server's end of the same WebSocket. */
  server: WebSocket;
  /** What the server received (the client sent), and what the client received, in order. */
  serverReceived: Received[];
  clientReceived: Received[];
  chunks: Recorded[];
  /** Close from the client and wait until both ends are closed. */
  close(code: number, reason: string): Promise<void>;
}

function received(list: Received[]) {
  return (data: WebSocket.RawData, isBinary: boolean) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    list.push(isBinary ? { kind: 'binary', data: bytes.toString('base64') } : { kind: 'text', data: bytes.toString('utf8') });
  };
}

/** `deflate`: permessage-deflate options for both ends, or false for none. */
export async function recordWebSocket(path: string, deflate: PerMessageDeflateOptions | false = { threshold: 0 }): Promise<WsRecording> {
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: deflate });
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  const relay = await startRecordingRelay((httpServer.address() as net.AddressInfo).port);
  const serverReceived: Received[] = [];
  const clientReceived: Received[] = [];
  const serverSide = new Promise<WebSocket>((resolve) =>
    wss.once('connection', (socket) => {
      socket.on('message', received(serverReceived));
      resolve(socket);
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${relay.port}${path}`, { perMessageDeflate: deflate, headers: { host: 'api.openai.com' } });
  client.on('message', received(clientReceived));
  await once(client, 'open');
  const server = await serverSide;
  return {
    client,
    server,
    serverReceived,
    clientReceived,
    chunks: relay.chunks,
    async close(code, reason) {
      const closed = Promise.all([once(client, 'close'), once(server, 'close')]);
      client.close(code, reason);
      await closed;
      wss.close();
      httpServer.close();
      relay.close();
    },
  };
}

/** Send a message in `parts` fragments (ws compresses them as one message when compress is on). */
export function sendFragmented(socket: WebSocket, message: string | Buffer, parts: number, compress = true): void {
  const bytes = Buffer.from(message);
  const size = Math.ceil(bytes.length / parts);
  for (let i = 0; i < parts; i++) {
    const piece = bytes.subarray(i * size, Math.min(bytes.length, (i + 1) * size));
    socket.send(piece, { fin: i === parts - 1, binary: typeof message !== 'string', compress });
  }
}

/** Resolves once `list` has `n` entries. */
export async function untilReceived(list: Received[], n: number): Promise<void> {
  for (let waited = 0; list.length < n; waited += 5) {
    if (waited > 5000) throw new Error(`waited 5 s for ${n} messages, got ${list.length}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
