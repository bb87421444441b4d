// Writes testdata/websocket-responses/input.jsonl: a real WebSocket (the `ws` library's client and
// server through a recording relay, permessage-deflate with context takeover) carrying an OpenAI
// Responses-over-WebSocket exchange with a tool call: two response.create messages (fragmented)
// and the server's events (one fragmented), then a close handshake. Each turn ends a batch (the
// processor hands a turn's messages on before the WebSocket ends). It feeds the fixture table and
// the fuzzer's corpus. Run: node packages/processor-http/testdata/make-websocket-input.ts, then
// UPDATE_FIXTURES=1 and review.
import fs from 'node:fs';
import path from 'node:path';
import { serializeEvent } from '@oisp/core';
import { CaptureScript, testConn } from '../src/internal/capture-script.ts';
import { recordWebSocket, sendFragmented, untilReceived } from '../src/internal/ws-recording.ts';

const tools = [{ type: 'function', name: 'get_weather', description: 'Current weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
const usage = (input: number, output: number) => ({ input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output });
const call = { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
const message = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Sunny, 21 degrees.', annotations: [] }] };
const response = (id: string, status: string, output: unknown[], u: unknown) => ({ id, object: 'response', created_at: 1_764_000_000, status, model: 'gpt-5-2025-08-07', output, usage: u, previous_response_id: id === 'resp_2' ? 'resp_1' : null });

const turns = [
  {
    create: { type: 'response.create', model: 'gpt-5', instructions: 'You answer weather questions.', input: [{ role: 'user', content: 'Weather in Paris?' }], tools },
    events: [
      { type: 'response.created', sequence_number: 0, response: response('resp_1', 'in_progress', [], null) },
      { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...call, status: 'in_progress', arguments: '' } },
      { type: 'response.function_call_arguments.delta', sequence_number: 2, item_id: 'fc_1', output_index: 0, delta: '{"city":' },
      { type: 'response.function_call_arguments.delta', sequence_number: 3, item_id: 'fc_1', output_index: 0, delta: '"Paris"}' },
      { type: 'response.function_call_arguments.done', sequence_number: 4, item_id: 'fc_1', output_index: 0, arguments: call.arguments },
      { type: 'response.output_item.done', sequence_number: 5, output_index: 0, item: call },
      { type: 'response.completed', sequence_number: 6, response: response('resp_1', 'completed', [call], usage(52, 17)) },
    ],
  },
  {
    create: { type: 'response.create', model: 'gpt-5', previous_response_id: 'resp_1', input: [{ type: 'function_call_output', call_id: 'call_1', output: '{"sky":"sunny","celsius":21}' }], tools },
    events: [
      { type: 'response.created', sequence_number: 0, response: response('resp_2', 'in_progress', [], null) },
      { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...message, status: 'in_progress', content: [] } },
      { type: 'response.output_text.delta', sequence_number: 2, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Sunny, ' },
      { type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, delta: '21 degrees.' },
      { type: 'response.output_text.done', sequence_number: 4, item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Sunny, 21 degrees.' },
      { type: 'response.output_item.done', sequence_number: 5, output_index: 0, item: message },
      { type: 'response.completed', sequence_number: 6, response: response('resp_2', 'completed', [message], usage(80, 9)) },
    ],
  },
];

const ws = await recordWebSocket('/v1/responses');
/** Chunks recorded when each turn was over. */
const turnEnds: number[] = [];
let expected = 0;
for (const turn of turns) {
  sendFragmented(ws.client, JSON.stringify(turn.create), 3);
  await untilReceived(ws.serverReceived, ws.serverReceived.length + 1);
  for (const [i, event] of turn.events.entries()) {
    // One event fragmented, as a server flushing a long event in pieces would.
    if (i === turn.events.length - 1) sendFragmented(ws.server, JSON.stringify(event), 2);
    else ws.server.send(JSON.stringify(event));
  }
  expected += turn.events.length;
  await untilReceived(ws.clientReceived, expected);
  turnEnds.push(ws.chunks.length);
}
await ws.close(1000, '');

const s = new CaptureScript(testConn('conn-ws-responses', { sni: 'api.openai.com', remote: { ip: '162.159.140.245', port: 443 } }));
const batchEnds = new Set<number>();
for (const [i, c] of ws.chunks.entries()) {
  s.chunk(c.direction, c.bytes);
  if (turnEnds.includes(i + 1)) batchEnds.add(s.events.length);
}
s.close();
const lines: string[] = [];
for (const [n, e] of s.events.entries()) {
  lines.push(serializeEvent({ ...e, event_id: `01JDQ8${String(n).padStart(20, '0')}` }));
  if (batchEnds.has(n + 1)) lines.push(JSON.stringify({ batch_end: true }));
}
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'websocket-responses');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'input.jsonl'), lines.join('\n') + '\n');
