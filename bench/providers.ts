// bench/providers.ts: the providers processor on a mix of http.* exchanges built in memory — small
// chat completions with tools, long SSE streams (500 chunks), Responses calls, embeddings — beside
// the floor: JSON.parse of the same bodies and stream events, in the same run.
// Run: node --expose-gc bench/providers.ts [scale]   (scale 1 = 20,000 exchanges)
import type { OispEvent } from '@oisp/core';
import { createTestSettings } from '@oisp/core/testing';
import { createDefaultConfig } from '../packages/processor-providers/src/config.ts';
import { exchangeEvents, type FixtureExchange } from '../packages/processor-providers/src/internal/fixture-exchange.ts';
import { ProvidersProcessor } from '../packages/processor-providers/src/providers-processor.ts';

const scale = Number(process.argv[2] ?? 1);
const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const history = (n: number) => Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `Turn ${i}: ${'lorem ipsum dolor sit amet '.repeat(8)}` }));

function chat(i: number): FixtureExchange {
  return {
    request: { url: '/v1/chat/completions', host: 'api.openai.com', body: { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are helpful.' }, ...history(6), { role: 'user', content: `Question ${i}` }], tools, temperature: 0.2 } },
    response: { body: { id: `chatcmpl-${i}`, object: 'chat.completion', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 } } },
  };
}

function stream(i: number): FixtureExchange {
  const base = { id: `chatcmpl-s${i}`, object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024-07-18' };
  const events: { data: unknown }[] = Array.from({ length: 500 }, (_, k) => ({ data: { ...base, choices: [{ index: 0, delta: { content: `tok${k} ` }, finish_reason: null }] } }));
  events.push({ data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } }, { data: { ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: 500, total_tokens: 520 } } });
  return { request: { url: '/v1/chat/completions', host: 'api.openai.com', body: { model: 'gpt-4o-mini', stream: true, messages: history(2) } }, response: { stream: { format: 'sse', events: [...events, { data: '[DONE]' }] } } };
}

function responses(i: number): FixtureExchange {
  return {
    request: { url: '/v1/responses', host: 'api.openai.com', body: { model: 'gpt-4.1', instructions: 'Be brief.', input: [{ role: 'user', content: `Hi ${i}` }] } },
    response: { body: { id: `resp_${i}`, object: 'response', status: 'completed', model: 'gpt-4.1', output: [{ type: 'message', id: `msg_${i}`, role: 'assistant', content: [{ type: 'output_text', text: 'Hello! '.repeat(40), annotations: [] }] }], usage: { input_tokens: 20, output_tokens: 80, total_tokens: 100 } } },
  };
}

function embedding(i: number): FixtureExchange {
  return {
    request: { url: '/v1/embeddings', host: 'api.openai.com', body: { model: 'text-embedding-3-small', input: [`text ${i}`, `more ${i}`] } },
    response: { body: { object: 'list', model: 'text-embedding-3-small', data: [0, 1].map((index) => ({ object: 'embedding', index, embedding: Array.from({ length: 256 }, (_, k) => k / 1000) })), usage: { prompt_tokens: 6, total_tokens: 6 } } },
  };
}

const mix: [string, (i: number) => FixtureExchange, number][] = [
  ['chat + tools', chat, 12_000],
  ['SSE stream (500 chunks)', stream, 200],
  ['responses', responses, 6_000],
  ['embeddings', embedding, 1_800],
];

const batches: OispEvent[][] = [];
const texts: string[] = [];
let exchanges = 0;
for (const [, make, count] of mix) {
  for (let i = 0; i < Math.round(count * scale); i++) {
    const events = exchangeEvents(make(i), exchanges++);
    batches.push(events);
    for (const e of events) {
      const d = e.data as { body?: { text?: string }; stream?: { events: { data: string }[] } };
      if (d.stream) for (const s of d.stream.events) texts.push(s.data);
      else if (d.body?.text) texts.push(d.body.text);
    }
  }
}
const bytes = texts.reduce((n, t) => n + t.length, 0);

function measure(fn: () => void): { wall: number; cpu: number } {
  // Each run starts with a clean heap, so one run's garbage is not billed to the next.
  (globalThis as { gc?: () => void }).gc?.();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

function floor(): void {
  for (const t of texts) if (t[0] === '{') JSON.parse(t);
}

function decode(): number {
  const processor = new ProvidersProcessor(createTestSettings('providers'), createDefaultConfig(), { consume: async () => {} });
  let out = 0;
  for (const b of batches) out += processor.process(b).length;
  return out;
}

// Warm up both, then measure each five times, alternating, and keep the best of each.
floor();
decode();
let produced = 0;
const floorRuns: { wall: number; cpu: number }[] = [];
const decodeRuns: { wall: number; cpu: number }[] = [];
for (let i = 0; i < 5; i++) {
  floorRuns.push(measure(floor));
  decodeRuns.push(measure(() => (produced = decode())));
}
const best = (runs: { wall: number; cpu: number }[]) => runs.sort((a, b) => a.wall - b.wall)[0];
const f = best(floorRuns);
const d = best(decodeRuns);
const mb = bytes / 1e6;
console.log(`mix: ${exchanges} exchanges, ${mb.toFixed(1)} MB of bodies and stream events; ${produced} events out`);
console.log(`floor  JSON.parse      ${f.wall.toFixed(3)} s  ${(exchanges / f.wall).toFixed(0)} exchanges/s  ${(mb / f.wall).toFixed(1)} MB/s  cpu ${f.cpu.toFixed(3)} s`);
console.log(`providers processor    ${d.wall.toFixed(3)} s  ${(exchanges / d.wall).toFixed(0)} exchanges/s  ${(mb / d.wall).toFixed(1)} MB/s  cpu ${d.cpu.toFixed(3)} s`);
console.log(`ratio (processor / floor): ${(d.wall / f.wall).toFixed(2)}x wall, ${(d.cpu / f.cpu).toFixed(2)}x cpu`);
