// Live on the real kernel: an agent's tool loop on OpenAI's Responses API over a WebSocket (the
// `ws` library, at api.openai.com mapped to the local TLS mock), captured by the ebpf receiver and
// decoded by the http and providers processors. Messages are compressed (permessage-deflate with
// context takeover) and fragmented both ways. The client waits, its WebSocket open, after each turn:
// that turn's ai.* and agent.* events must already be out then, not at the close. The oracle is the
// client: every message it sent and received must be in the captured http.websocket events, in
// order, each way; and the ai.* and agent.* events must say exactly what its two calls asked and got back.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateEvent, type CaptureData, type AgentToolCall, type AgentToolResult, type AiRequest, type AiResponse, type HttpResponse, type HttpWebSocket, type OispEvent, type Service } from '@oisp/core';
import { callbackExporter } from '@oisp/core/testing';
import { preflight } from '@oisp/receiver-ebpf';
import { startPipeline } from '../src/start-pipeline.ts';
import { startSdkHarness, type SdkHarness } from './providers/sdk-harness.ts';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

type Obj = Record<string, any>;

async function until(what: string, done: () => boolean, ms = 15_000): Promise<void> {
  for (let waited = 0; !done(); waited += 20) {
    assert.ok(waited < ms, `waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Frame headers of a WebSocket byte stream (RFC 6455 section 5.2), read apart from the processor's own reader. */
function scanFrames(bytes: Buffer): { fin: boolean; rsv1: boolean; opcode: number; masked: boolean }[] {
  const frames = [];
  for (let at = 0; at + 2 <= bytes.length; ) {
    const len7 = bytes[at + 1] & 0x7f;
    const masked = (bytes[at + 1] & 0x80) !== 0;
    const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const length = len7 === 126 ? bytes.readUInt16BE(at + 2) : len7 === 127 ? Number(bytes.readBigUInt64BE(at + 2)) : len7;
    frames.push({ fin: (bytes[at] & 0x80) !== 0, rsv1: (bytes[at] & 0x40) !== 0, opcode: bytes[at] & 0x0f, masked });
    at += 2 + ext + (masked ? 4 : 0) + length;
  }
  return frames;
}

describe('live: Responses over a WebSocket -> ebpf -> http -> providers', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-ws-live-'));
  const captured: OispEvent[] = [];
  let service: Service;
  let sdk: SdkHarness;

  before(async () => {
    assert.deepEqual(problems, []);
    sdk = await startSdkHarness(dir);
    // keep_http: the 101 and the http.websocket events with the messages come out too, to compare with the client;
    // keep_raw: the captured bytes, to check the frames really were compressed and fragmented.
    const yaml = `receivers: { ebpf: {} }
processors: { http: { keep_raw: true }, providers: { keep_http: true } }
exporters: { memory: {} }
service:
  pipelines: { p: { receivers: [ebpf], processors: [http, providers], exporters: [memory] } }
`;
    service = await startPipeline({ yaml, dir, extra: [callbackExporter('memory', (batch) => captured.push(...batch))] });
  });

  after(async () => {
    await service?.shutdown();
    await sdk?.close();
  });

  it('a tool call and its result, two calls on one WebSocket: each call out while the WebSocket is open, exact messages, exact events', async () => {
    const run = sdk.runScript('ws-responses-client.mjs', [dir]);
    let failed: unknown;
    run.catch((err) => (failed = err));
    /** The client's pid, once it has written it after turn `n` (its WebSocket then open, waiting). */
    const paused = async (n: number) => {
      const file = join(dir, `turn-${n}`);
      await until(`the client's turn ${n}`, () => failed !== undefined || existsSync(file));
      if (failed) throw failed;
      return Number(readFileSync(file, 'utf8'));
    };
    const pid = await paused(1);
    const mine = () => captured.filter((e) => e.process?.pid === pid && !e.event_type.startsWith('capture.'));
    // (capture.* stay in `captured`: the frames on the wire are checked below.)
    const types = (events: OispEvent[]) => events.filter((e) => e.event_type.startsWith('ai.') || e.event_type.startsWith('agent.')).map((e) => e.event_type);
    const ended = () => mine().some((e) => e.event_type === 'http.websocket' && (e.data as HttpWebSocket).end);

    // Turn 1 over, the WebSocket open: its call is out, and no end.
    await until('the first call while the WebSocket is open', () => types(mine()).length >= 3);
    assert.deepEqual(types(mine()), ['ai.request', 'ai.response', 'agent.tool_call'], 'the first call, out before the close');
    assert.equal(ended(), false, 'the WebSocket is still open');
    writeFileSync(join(dir, 'go-1'), '');
    await paused(2);
    await until('the second call while the WebSocket is open', () => types(mine()).length >= 6);
    assert.deepEqual(types(mine()), ['ai.request', 'ai.response', 'agent.tool_call', 'ai.request', 'agent.tool_result', 'ai.response'], 'the second call, out before the close');
    assert.equal(ended(), false, 'the WebSocket is still open');
    writeFileSync(join(dir, 'go-2'), '');
    const { output } = await run;
    await until('the end of the WebSocket', ended);

    const events = mine();
    for (const e of events) assert.deepEqual(validateEvent(e).errors, [], `${e.event_type} schema-valid`);
    const of = <T>(type: string) => events.filter((e) => e.event_type === type) as OispEvent<string, T>[];

    // The WebSocket, message by message, as the client sent and received it.
    const upgrade = of<HttpResponse>('http.response');
    assert.equal(upgrade.length, 1, `one 101 response; got ${events.map((e) => e.event_type).join(', ')}`);
    const ws = upgrade[0].data;
    assert.equal(ws.status, 101);
    assert.equal(ws.url, '/v1/responses');
    assert.deepEqual(ws.stream, { format: 'websocket', events: [] }, 'the 101 says a WebSocket opened; its messages follow');
    const websocket = of<HttpWebSocket>('http.websocket');
    assert.ok(websocket.every((e) => e.data.exchange_id === ws.exchange_id));
    assert.deepEqual(websocket.map((e) => e.data.end === true), websocket.map((_, i) => i === websocket.length - 1), 'one end, last');
    assert.equal(websocket[websocket.length - 1].data.aborted, undefined, 'the close handshake was seen both ways');
    const messages = websocket.flatMap((e) => e.data.messages);
    const text = (direction: string) => messages.filter((m) => m.direction === direction && m.event === 'text').map((m) => m.data);
    assert.deepEqual(text('egress'), output.sent);
    assert.deepEqual(text('ingress'), output.received);
    assert.deepEqual(messages.filter((m) => m.event === 'close').map((m) => `${m.direction} ${m.data}`), ['egress 1000 done', 'ingress 1000 done']);
    assert.ok(messages.every((m) => m.error === undefined), 'every message decoded');
    for (let i = 1; i < messages.length; i++) assert.ok(messages[i].ts >= messages[i - 1].ts, 'messages in time order');

    // On the wire, each way: compressed messages (RSV1) and fragments (FIN clear), read by a scan of our own.
    const raw = captured.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).conn.id === ws.conn.id) as OispEvent<'capture.data', CaptureData>[];
    for (const direction of ['egress', 'ingress'] as const) {
      const bytes = Buffer.concat(raw.filter((e) => e.data.direction === direction).sort((a, b) => a.data.offset - b.data.offset).map((e) => Buffer.from(e.data.data)));
      const frames = scanFrames(bytes.subarray(bytes.indexOf('\r\n\r\n') + 4));
      assert.ok(frames.some((f) => f.rsv1), `${direction}: compressed messages`);
      assert.ok(frames.some((f) => !f.fin && f.opcode === 1) && frames.some((f) => f.opcode === 0), `${direction}: fragmented messages`);
      assert.ok(frames.every((f) => f.masked === (direction === 'egress')), `${direction}: ${direction === 'egress' ? 'masked' : 'unmasked'} frames`);
    }

    // The two model calls.
    const requests = of<AiRequest>('ai.request');
    const responses = of<AiResponse>('ai.response');
    assert.equal(requests.length, 2);
    assert.equal(responses.length, 2);
    const [sent1, sent2] = output.sent.map((s: string) => JSON.parse(s));
    const [r1, r2] = output.responses as Obj[];
    for (const [i, req] of requests.entries()) {
      assert.equal(req.data.api, 'openai.responses');
      assert.equal(req.data.provider.name, 'openai');
      assert.equal(req.data.streaming, true);
      assert.equal(req.data.model?.id, 'gpt-5');
      assert.deepEqual(req.data.tools?.map((t) => t.name), ['get_weather']);
      assert.equal(req.data.auth?.key_prefix, 'sk-proj-');
      assert.equal(responses[i].data.request_id, req.data.request_id);
    }
    assert.deepEqual(requests[0].data.messages?.map((m) => ({ role: m.role, content: m.content })), [
      { role: 'system', content: sent1.instructions },
      { role: 'user', content: sent1.input[0].content },
    ]);
    assert.equal(requests[1].data.conversation?.conversation_id, r1.id);
    assert.deepEqual(requests[1].data.messages?.map((m) => ({ role: m.role, content: m.content, tool_call_id: m.tool_call_id })), [
      { role: 'tool', content: output.toolOutput, tool_call_id: sent2.input[0].call_id },
    ]);
    for (const [res, r] of [[responses[0].data, r1], [responses[1].data, r2]] as [AiResponse, Obj][]) {
      assert.equal(res.success, true);
      assert.equal(res.status_code, 101);
      assert.equal(res.provider_request_id, r.id);
      assert.equal(res.model?.id, r.model);
      assert.equal(res.usage?.prompt_tokens, r.usage.input_tokens);
      assert.equal(res.usage?.completion_tokens, r.usage.output_tokens);
      const calls = r.output.filter((o: Obj) => o.type === 'function_call').map((o: Obj) => ({ id: o.call_id, name: o.name, arguments: o.arguments }));
      assert.deepEqual((res.tool_calls ?? []).map((t) => ({ id: t.id, name: t.name, arguments: t.arguments })), calls);
      const textOut = r.output.filter((o: Obj) => o.type === 'message').flatMap((o: Obj) => o.content.map((c: Obj) => c.text)).join('');
      assert.equal(res.choices?.[0].message.content ?? '', textOut);
      assert.equal(res.finish_reason, calls.length ? 'tool_calls' : 'stop');
      assert.ok(res.time_to_first_token_ms! >= 0 && res.time_to_first_token_ms! <= res.latency_ms!, 'TTFT within the latency');
    }

    // The tool: asked for by the first call, its result carried back by the second.
    const toolCalls = of<AgentToolCall>('agent.tool_call');
    const toolResults = of<AgentToolResult>('agent.tool_result');
    const asked = r1.output.find((o: Obj) => o.type === 'function_call');
    assert.deepEqual(toolCalls.map((c) => ({ id: c.data.call_id, name: c.data.tool.name, request: c.data.request_id })), [{ id: asked.call_id, name: 'get_weather', request: responses[0].data.request_id }]);
    assert.deepEqual(toolResults.map((t) => ({ id: t.data.call_id, result: t.data.result, request: t.data.request_id })), [{ id: asked.call_id, result: output.toolOutput, request: requests[1].data.request_id }]);
    assert.ok(toolResults[0].data.duration_ms! >= 0);
    // Events in time order: each call's request before its answer, the second call after the first.
    const order = events.filter((e) => e.event_type.startsWith('ai.') || e.event_type.startsWith('agent.')).map((e) => e.event_type);
    assert.deepEqual(order, ['ai.request', 'ai.response', 'agent.tool_call', 'ai.request', 'agent.tool_result', 'ai.response']);
  });
});
