// The gRPC capture test's client (a process of its own, so it is captured): @grpc/grpc-js over
// TLS, messages gzip-compressed, one unary call and one server stream. Prints what it sent and got.
import { readFileSync } from 'node:fs';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const [target, caFile] = process.argv.slice(2);
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(new URL('./echo.proto', import.meta.url).pathname, { longs: Number, bytes: Buffer }));
const client = new pkg.oisp.test.Echo(target, grpc.credentials.createSsl(readFileSync(caFile)), {
  'grpc.ssl_target_name_override': 'localhost',
  'grpc.default_compression_algorithm': 2, // gzip
});
const say = { text: 'hello over gRPC', n: 1, blob: Buffer.alloc(200_000, 'b') };
const count = { text: 'count to five', n: 5 };
const said = await new Promise((resolve, reject) => client.Say(say, (err, note) => (err ? reject(err) : resolve(note))));
const counted = await new Promise((resolve, reject) => {
  const notes = [];
  const call = client.Count(count);
  call.on('data', (note) => notes.push(note));
  call.on('end', () => resolve(notes));
  call.on('error', reject);
});
client.close();
const plain = (note) => ({ text: note.text, n: note.n, blob: Buffer.from(note.blob ?? []).toString('base64') });
process.stdout.write(JSON.stringify({ sent: { say: plain(say), count: plain(count) }, got: { said: plain(said), counted: counted.map(plain) } }) + '\n');
