// A local HTTPS server for capture tests, run as a child process (the test's own process is the
// collector and is excluded from capture). Prints its port, then answers every POST with a body of
// RESPONSE_BYTES bytes (or `?size=N`) and records what it received to RECEIVED_FILE.
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [cert, key, receivedFile, responseBytes] = process.argv.slice(2);
const body = Buffer.alloc(Number(responseBytes), 'r');
const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    appendFileSync(receivedFile, Buffer.concat(chunks));
    const size = new URL(req.url, 'https://localhost').searchParams.get('size');
    const out = size === null ? body : body.subarray(0, Number(size));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': out.length });
    res.end(out);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
