// An HTTP/2 client already talking when the capture starts: three requests, then "ready" on stdout
// and a wait for a line on stdin (the test starts the collector meanwhile), then three more on the
// same connection. Its custom headers went into the HPACK dynamic table before the capture began,
// so the later requests refer to entries the capture never saw. Prints the later exchanges as JSON.
import http2 from 'node:http2';
import { createInterface } from 'node:readline';

const client = http2.connect(process.argv[2]);
const headers = { 'content-type': 'application/json', 'x-agent-session': 'session-4f2a', 'x-team': 'research' };
const post = (path, body) =>
  new Promise((resolve, reject) => {
    const req = client.request({ ':method': 'POST', ':path': path, ...headers });
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => resolve({ path, sent: body, received: Buffer.concat(parts).toString() }));
    req.on('error', reject);
    req.end(body);
  });
for (let i = 0; i < 3; i++) await post(`/v1/before/${i}`, JSON.stringify({ before: i }));
process.stdout.write('ready\n');
await new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve));
const after = [];
for (let i = 0; i < 3; i++) after.push(await post(`/v1/after/${i}`, JSON.stringify({ after: i, pad: 'x'.repeat(2000 * (i + 1)) })));
client.close();
process.stdout.write(JSON.stringify(after) + '\n');
