// An agent's tool loop on OpenAI's Responses API over a WebSocket, with the `ws` library:
// response.create (sent in fragments, compressed), the model asks for a tool, the tool runs here,
// its output goes back in a second response.create on the same WebSocket, the model answers, the
// client closes. After each turn it writes <dir>/turn-<n> (its pid) and, the WebSocket still open,
// waits for <dir>/go-<n>: the test checks what was captured meanwhile. Prints what it sent, every
// message it received, the final response objects and the tool's output — the oracle the captured
// events are compared with.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

const [dir] = process.argv.slice(2);

const KEY = process.env.OISP_TEST_KEY ?? 'sk-test-key';
const tools = [{ type: 'function', name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

const ws = new WebSocket('wss://api.openai.com/v1/responses', { headers: { Authorization: `Bearer ${KEY}`, 'User-Agent': 'oisp-live-test/1 ws' }, perMessageDeflate: { threshold: 0 } });
const received = [];
const waiting = [];
ws.on('message', (data, isBinary) => {
  const text = isBinary ? Buffer.from(data).toString('base64') : String(data);
  received.push(text);
  waiting.shift()?.();
});
await new Promise((resolve, reject) => {
  ws.once('open', resolve);
  ws.once('error', reject);
});

/** Sends a client event in `parts` fragments (compressed as one message) and reads events to the response's end. */
async function turn(event, parts) {
  const bytes = Buffer.from(JSON.stringify(event));
  const size = Math.ceil(bytes.length / parts);
  for (let i = 0; i < parts; i++) ws.send(bytes.subarray(i * size, (i + 1) * size), { fin: i === parts - 1, binary: false, compress: true });
  for (let seen = received.length; ; ) {
    while (seen < received.length) {
      const e = JSON.parse(received[seen++]);
      if (e.type === 'response.completed' || e.type === 'error') return e.response ?? e;
    }
    await new Promise((resolve) => waiting.push(resolve));
  }
}

/** Says turn `n` is over and waits, the WebSocket open, until the test lets it go on. */
async function pause(n) {
  writeFileSync(join(dir, `turn-${n}`), String(process.pid));
  while (!existsSync(join(dir, `go-${n}`))) await new Promise((resolve) => setTimeout(resolve, 20));
}

const first = { type: 'response.create', model: 'gpt-5', instructions: 'You are a weather assistant.', input: [{ role: 'user', content: 'What is the weather in Paris?' }], tools };
const r1 = await turn(first, 3);
await pause(1);
const call = r1.output.find((o) => o.type === 'function_call');
const toolOutput = JSON.stringify({ city: JSON.parse(call.arguments).city, sky: 'sunny', celsius: 21 });
const second = { type: 'response.create', model: 'gpt-5', previous_response_id: r1.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: toolOutput }], tools };
const r2 = await turn(second, 2);
await pause(2);
await new Promise((resolve) => {
  ws.once('close', resolve);
  ws.close(1000, 'done');
});
process.stdout.write(JSON.stringify({ sent: [JSON.stringify(first), JSON.stringify(second)], received, responses: [r1, r2], toolOutput }));
