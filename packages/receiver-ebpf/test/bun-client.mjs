// Run by bun in stripped-tls.test.ts: POSTs SIZE bytes to URL over TLS (trusting CA) with fetch and
// reads the response whole or as a stream; prints the status and the bytes it got.
import { readFileSync } from 'node:fs';

const [url, ca, size, mode] = process.argv.slice(2);
const body = Buffer.alloc(Number(size));
for (let i = 0; i < body.length; i++) body[i] = 97 + (i % 26);
const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' }, tls: { ca: readFileSync(ca, 'utf8') } });
let got = 0;
if (mode === 'stream') for await (const chunk of res.body) got += chunk.length;
else got = (await res.arrayBuffer()).byteLength;
console.log(res.status, got);
