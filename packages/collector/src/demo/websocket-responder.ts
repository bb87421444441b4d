// The mock's WebSocket side: OpenAI's Responses API over a WebSocket (wss://…/v1/responses). Each
// response.create is answered with the events the SSE stream would carry (responders.ts), one
// message each; permessage-deflate is on for every message, and the longer events are sent in
// fragments, so a client sees compressed, fragmented messages, as from a server flushing early.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { openaiResponseEvents } from './responders.ts';

/** Events longer than this go out in fragments. */
const FRAGMENT_OVER = 200;

export function webSocketUpgrade(received: { host: string; path: string; body: unknown }[]): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 0 } });
  return (req, socket, head) => {
    const host = (req.headers.host ?? '').split(':')[0];
    const path = new URL(req.url ?? '/', `https://${host}`).pathname;
    if (!path.endsWith('/responses')) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => {
        let body: Record<string, unknown> | undefined;
        try {
          body = isBinary ? undefined : (JSON.parse(String(data)) as Record<string, unknown>);
        } catch {
          body = undefined;
        }
        received.push({ host, path, body });
        if (body?.type !== 'response.create') {
          ws.send(JSON.stringify({ type: 'error', status: 400, error: { type: 'invalid_request_error', message: `mock: unexpected client event ${String(body?.type)}` } }));
          return;
        }
        for (const event of openaiResponseEvents(body)) sendEvent(ws, JSON.stringify(event));
      });
    });
  };
}

function sendEvent(ws: WebSocket, text: string): void {
  if (text.length <= FRAGMENT_OVER) return ws.send(text);
  const bytes = Buffer.from(text);
  const third = Math.ceil(bytes.length / 3);
  for (let i = 0; i < 3; i++) ws.send(bytes.subarray(i * third, (i + 1) * third), { fin: i === 2, binary: false });
}
