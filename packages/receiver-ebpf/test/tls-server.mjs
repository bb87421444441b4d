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
    const query = new URL(req.url, 'https://localhost').searchParams;
    const size = query.get('size');
    let out = size === null ? body : body.subarray(0, Number(size));
    // ?json=1: the same number of bytes as a JSON object, for SDKs that parse what they get.
    if (query.get('json')) out = Buffer.from(`{"object":"test","data":"${'r'.repeat(out.length - 27)}"}`);
    res.writeHead(200, { 'content-type': query.get('json') ? 'application/json' : 'application/octet-stream', 'content-length': out.length });
    res.end(out);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
