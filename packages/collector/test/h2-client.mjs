// An HTTP/2 client for the capture tests: N concurrent POSTs on one TLS connection (node's http2,
// its own static OpenSSL). Prints what each stream sent and received, as JSON.
import http2 from 'node:http2';

const [url, count] = [process.argv[2], Number(process.argv[3] ?? 20)];
const client = http2.connect(url);
const results = await Promise.all(
  Array.from({ length: count }, (_, n) => new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', n, pad: 'p'.repeat(n * 300) });
    const req = client.request({ ':method': 'POST', ':path': `/v1/chat/completions?n=${n}`, 'content-type': 'application/json' });
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => resolve({ n, sent: body, received: Buffer.concat(parts).toString() }));
    req.on('error', reject);
    req.end(body);
  })),
);
client.close();
process.stdout.write(JSON.stringify(results) + '\n');
