// A local HTTPS mock of turbo's remote-cache API (Vercel's /v8/artifacts), run as a child process by
// stripped-tls.test.ts. Keeps every plaintext byte each connection received and sent, in
// LOG_DIR/<client port>.in and .out, so the capture can be compared with them byte for byte.
// Usage: node turbo-cache-mock.mjs CERT KEY LOG_DIR; prints its port.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';

const [cert, key, logDir] = process.argv.slice(2);
const server = tls.createServer({ cert: readFileSync(cert), key: readFileSync(key), ALPNProtocols: ['http/1.1'] }, (socket) => {
  const log = join(logDir, String(socket.remotePort));
  let pending = Buffer.alloc(0);
  socket.on('data', (data) => {
    appendFileSync(`${log}.in`, data);
    pending = Buffer.concat([pending, data]);
    for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
      const head = pending.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (pending.length < end + 4 + length) return;
      pending = pending.subarray(end + 4 + length);
      const [method, url] = head.split(' ');
      // No artifact is cached: a GET misses, a PUT stores it, events are taken.
      const miss = url.startsWith('/v8/artifacts/') && !url.startsWith('/v8/artifacts/events') && (method === 'GET' || method === 'HEAD');
      const body = miss ? '{"error":{"code":"not_found","message":"no such artifact"}}' : method === 'PUT' ? '{"urls":["x"]}' : '{}';
      const response = Buffer.from(`HTTP/1.1 ${miss ? '404 Not Found' : '200 OK'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${method === 'HEAD' ? '' : body}`);
      appendFileSync(`${log}.out`, response);
      socket.write(response);
    }
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
