// Live end to end on the real kernel: an official provider SDK, at its default host (mapped to a
// local mock by the client's own /etc/hosts in its own mount namespace), captured by the ebpf
// receiver and decoded by the http and providers processors in the real Service. The oracle is
// the SDK: what it returned must equal the captured ai.response, and what the test sent must equal
// the captured ai.request.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger, Service, validateEvent, type AiRequest, type AiResponse, type AiEmbedding, type AgentToolCall, type OispEvent } from '@oisp/core';
import { callbackExporter } from '@oisp/core/testing';
import { preflight } from '@oisp/receiver-ebpf';
import { startPipeline } from '../src/start-pipeline.ts';
import { startSdkHarness, TEST_KEY, type SdkHarness } from './providers/sdk-harness.ts';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

type Obj = Record<string, any>;

/** What the SDKs send as their API key (OISP_TEST_KEY) and what the secrets scenario puts in its prompt. */
const SECRETS = [TEST_KEY, 'ghp_OISPLIVEFAKEabcdefghijklmnopqrstuvwxyz01', 'AKIAOISPFAKE0000LIVE', 'OISPfakeSecretKey0000000000000000000000'];

interface SdkRun {
  pid: number;
  sent: Obj;
  result: Obj;
  events: OispEvent[];
}

describe('live: SDK -> ebpf -> http -> providers', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-providers-live-'));
  const captured: OispEvent[] = [];
  const logs: string[] = [];
  let service: Service;
  let sdk: SdkHarness;

  before(async () => {
    assert.deepEqual(problems, []);
    sdk = await startSdkHarness(dir);
    const yaml = `receivers: { ebpf: {} }
processors: { http: {}, providers: {} }
exporters: { memory: {} }
service:
  pipelines: { p: { receivers: [ebpf], processors: [http, providers], exporters: [memory] } }
`;
    // Every log line at debug, kept to be searched for the test keys.
    const logSink = new Writable({ write: (chunk, _enc, done) => { logs.push(String(chunk)); done(); } });
    service = await startPipeline({ yaml, dir, extra: [callbackExporter('memory', (batch) => captured.push(...batch))], logger: createLogger({ level: 'debug', format: 'json', destination: logSink }) });
  });

  after(async () => {
    await service?.shutdown();
    await sdk?.close();
  });

  /** Runs one SDK scenario in its own mount namespace and waits for its call to be decoded. */
  async function runSdk(scenario: string, done = (events: OispEvent[]) => events.some((e) => e.event_type === 'ai.response' || e.event_type === 'ai.embedding'), runtime?: string): Promise<SdkRun> {
    const { pid, sent, result } = await sdk.run(scenario, runtime);
    const mine = () => captured.filter((e) => e.process?.pid === pid && !e.event_type.startsWith('capture.'));
    for (let waited = 0; !done(mine()) && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    const events = mine();
    for (const e of events) assert.deepEqual(validateEvent(e).errors, [], `${e.event_type} schema-valid`);
    assert.ok(done(events), `${scenario}: decoded events for pid ${pid}; got ${events.map((e) => e.event_type).join(', ') || 'none'}`);
    return { pid, sent, result, events };
  }

  const one = <T>(events: OispEvent[], type: string) => {
    const found = events.filter((e) => e.event_type === type);
    assert.equal(found.length, 1, `one ${type}, got ${found.length}`);
    return found[0] as OispEvent<string, T>;
  };

  /** The request as the test sent it: model, messages (role + content), tools, streaming. */
  function assertChatRequest(req: AiRequest, sent: Obj, provider: string) {
    assert.equal(req.provider.name, provider);
    assert.equal(req.model?.id, sent.model);
    assert.equal(req.streaming, sent.stream === true);
    assert.deepEqual(req.messages?.map((m) => ({ role: m.role, content: m.content })), sent.messages.map((m: Obj) => ({ role: m.role, content: m.content })));
    assert.deepEqual(req.tools?.map((t) => t.name), sent.tools?.map((t: Obj) => t.function?.name ?? t.name));
  }

  /** An OpenAI-shaped chat completion (the SDK's object) equals the captured response. */
  function assertChatCompletion(res: AiResponse, c: Obj) {
    assert.equal(res.success, true);
    assert.equal(res.status_code, 200);
    assert.equal(res.provider_request_id, c.id);
    assert.equal(res.model?.id, c.model);
    const choice = c.choices[0];
    assert.equal(res.provider_finish_reason, choice.finish_reason ?? choice.finishReason);
    const content = choice.message.content;
    assert.equal(res.choices?.[0].message.content ?? null, content === undefined ? null : content);
    const calls = (choice.message.tool_calls ?? choice.message.toolCalls ?? []).map((t: Obj) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments }));
    assert.deepEqual((res.tool_calls ?? []).map((t) => ({ id: t.id, name: t.name, arguments: t.arguments })), calls);
    const u = c.usage;
    if (u) {
      assert.equal(res.usage?.prompt_tokens, u.prompt_tokens ?? u.promptTokens);
      assert.equal(res.usage?.completion_tokens, u.completion_tokens ?? u.completionTokens);
      assert.equal(res.usage?.total_tokens, u.total_tokens ?? u.totalTokens);
    }
  }

  function assertToolCallEvents(run: SdkRun, res: OispEvent<string, AiResponse>) {
    const calls = run.events.filter((e) => e.event_type === 'agent.tool_call') as OispEvent<'agent.tool_call', AgentToolCall>[];
    assert.deepEqual(calls.map((c) => c.data.call_id), (res.data.tool_calls ?? []).map((t) => t.id));
    for (const c of calls) assert.equal(c.data.request_id, res.data.request_id);
  }

  const BUN = realpathSync(join(dirname(createRequire(import.meta.url).resolve('@oven/bun-linux-x64/package.json')), 'bin/bun'));
  /** Bun carries BoringSSL without symbols: found by structure at its first exec (about half a second
   * of reading), so its SDK calls start once the receiver has said it hooked it. */
  async function bunHooked(): Promise<void> {
    const hooked = () => logs.some((l) => l.includes('"msg":"hooked"') && l.includes(BUN));
    if (hooked()) return;
    const warm = spawn(BUN, ['-e', 'setTimeout(() => {}, 2000)']);
    for (let waited = 0; !hooked() && waited < 15_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    warm.kill();
    assert.ok(hooked(), 'bun hooked at exec');
  }

  for (const [scenario, runtime] of [
    ...['openai-chat', 'openai-chat-stream', 'openai-chat-stream-tools', 'groq-chat', 'mistral-chat', 'azure-openai-chat'].map((s) => [s, undefined] as const),
    // The same SDK run by Bun (BoringSSL inside a stripped binary), decoded the same way.
    ['openai-chat', BUN] as const,
    ['openai-chat-stream-tools', BUN] as const,
  ]) {
    it(runtime ? `${scenario}, run by bun (BoringSSL found by structure)` : scenario, async () => {
      if (runtime) await bunHooked();
      const run = await runSdk(scenario, undefined, runtime);
      if (runtime) assert.equal(run.events[0].process?.exe, BUN);
      const req = one<AiRequest>(run.events, 'ai.request');
      const res = one<AiResponse>(run.events, 'ai.response');
      const provider = { groq: 'groq', mistral: 'mistral_ai', azure: 'azure.ai.openai' }[scenario.split('-')[0]] ?? 'openai';
      const sent = scenario === 'azure-openai-chat' ? { ...run.sent, model: 'gpt4o-prod' } : run.sent;
      if (scenario === 'azure-openai-chat') assert.equal(req.data.model?.id, 'gpt-4o', 'the body names the model; the deployment is in the path');
      else assertChatRequest(req.data, sent, provider);
      assert.equal(res.data.request_id, req.data.request_id);
      assertChatCompletion(res.data, run.result);
      assertToolCallEvents(run, res);
      if (run.sent.stream) assert.ok((res.data.time_to_first_token_ms ?? -1) >= 0 && res.data.time_to_first_token_ms! <= res.data.latency_ms!, 'TTFT within the latency');
    });
  }

  for (const scenario of ['openai-responses', 'openai-responses-stream']) {
    it(scenario, async () => {
      const run = await runSdk(scenario);
      const req = one<AiRequest>(run.events, 'ai.request');
      const res = one<AiResponse>(run.events, 'ai.response');
      const r = run.result;
      assert.equal(req.data.api, 'openai.responses');
      assert.equal(req.data.model?.id, run.sent.model);
      assert.equal(req.data.streaming, run.sent.stream === true);
      const userMessage = req.data.messages?.find((m) => m.role === 'user');
      assert.equal(userMessage?.content, run.sent.input);
      assert.equal(res.data.provider_request_id, r.id);
      assert.equal(res.data.model?.id, r.model);
      assert.equal(res.data.choices?.[0].message.content ?? '', r.output_text);
      const calls = r.output.filter((o: Obj) => o.type === 'function_call').map((o: Obj) => ({ id: o.call_id, name: o.name, arguments: o.arguments }));
      assert.deepEqual((res.data.tool_calls ?? []).map((t) => ({ id: t.id, name: t.name, arguments: t.arguments })), calls);
      assert.equal(res.data.usage?.prompt_tokens, r.usage.input_tokens);
      assert.equal(res.data.usage?.completion_tokens, r.usage.output_tokens);
      assert.equal(res.data.finish_reason, calls.length ? 'tool_calls' : 'stop');
      assertToolCallEvents(run, res);
    });
  }

  for (const scenario of ['anthropic-messages', 'anthropic-messages-stream', 'anthropic-messages-stream-tools']) {
    it(scenario, async () => {
      const run = await runSdk(scenario);
      const req = one<AiRequest>(run.events, 'ai.request');
      const res = one<AiResponse>(run.events, 'ai.response');
      const m = run.result;
      assert.equal(req.data.provider.name, 'anthropic');
      assert.equal(req.data.model?.id, run.sent.model);
      assert.equal(req.data.streaming, run.sent.stream === true);
      const sentMessages = [...(run.sent.system ? [{ role: 'system', content: run.sent.system }] : []), ...run.sent.messages];
      assert.deepEqual(req.data.messages?.map((x) => ({ role: x.role, content: x.content })), sentMessages);
      assert.deepEqual(req.data.tools?.map((t) => t.name), run.sent.tools?.map((t: Obj) => t.name));
      assert.equal(res.data.provider_request_id, m.id);
      assert.equal(res.data.model?.id, m.model);
      assert.equal(res.data.provider_finish_reason, m.stop_reason);
      const text = m.content.filter((b: Obj) => b.type === 'text').map((b: Obj) => b.text).join('');
      assert.equal(res.data.choices?.[0].message.content ?? '', text);
      const calls = m.content.filter((b: Obj) => b.type === 'tool_use').map((b: Obj) => ({ id: b.id, name: b.name, arguments: b.input }));
      assert.deepEqual((res.data.tool_calls ?? []).map((t) => ({ id: t.id, name: t.name, arguments: t.arguments })), calls);
      const u = m.usage;
      assert.equal(res.data.usage?.prompt_tokens, u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0));
      assert.equal(res.data.usage?.cached_tokens, u.cache_read_input_tokens);
      assert.equal(res.data.usage?.completion_tokens, u.output_tokens);
      assertToolCallEvents(run, res);
    });
  }

  for (const scenario of ['gemini-generate', 'gemini-generate-stream']) {
    it(scenario, async () => {
      const run = await runSdk(scenario);
      const req = one<AiRequest>(run.events, 'ai.request');
      const res = one<AiResponse>(run.events, 'ai.response');
      const r = run.result;
      assert.equal(req.data.provider.name, 'gcp.gemini');
      assert.equal(req.data.model?.id, run.sent.model);
      assert.equal(req.data.streaming, scenario.endsWith('stream'));
      const user = req.data.messages?.find((x) => x.role === 'user');
      assert.equal(user?.content, run.sent.contents);
      if (run.sent.config?.systemInstruction) assert.equal(req.data.messages?.[0].content, run.sent.config.systemInstruction);
      assert.equal(res.data.provider_request_id, r.responseId);
      assert.equal(res.data.model?.id, r.modelVersion);
      assert.equal(res.data.choices?.[0].message.content ?? '', r.text ?? '');
      const calls = (r.functionCalls ?? []).map((c: Obj) => ({ name: c.name, arguments: c.args }));
      assert.deepEqual((res.data.tool_calls ?? []).map((t) => ({ name: t.name, arguments: t.arguments })), calls);
      assert.equal(res.data.usage?.prompt_tokens, r.usageMetadata.promptTokenCount);
      assert.equal(res.data.usage?.completion_tokens, r.usageMetadata.candidatesTokenCount);
      assert.equal(res.data.usage?.total_tokens, r.usageMetadata.totalTokenCount);
      assertToolCallEvents(run, res);
    });
  }

  /** A google.protobuf.Struct as Google's gRPC client returns it, as plain JSON. */
  const plain = (v: Obj): unknown =>
    v.fields ? Object.fromEntries(Object.entries(v.fields).map(([k, x]) => [k, plain(x as Obj)])) : v.kind === 'structValue' ? plain(v.structValue) : v.kind === 'listValue' ? v.listValue.values.map(plain) : v[v.kind];

  // Google's own gRPC client (google-gax, @grpc/grpc-js over HTTP/2): protobuf messages on h2
  // streams, cut out by processor-http, read by the Gemini decoder through the official protos.
  for (const scenario of ['gemini-grpc', 'gemini-grpc-stream']) {
    it(`${scenario} (Google's gRPC client)`, async () => {
      const run = await runSdk(scenario);
      const req = one<AiRequest>(run.events, 'ai.request');
      const res = one<AiResponse>(run.events, 'ai.response');
      const streaming = scenario.endsWith('stream');
      assert.equal(req.data.provider.name, 'gcp.gemini');
      assert.equal(req.data.model?.id, 'gemini-2.5-flash');
      assert.equal(req.data.streaming, streaming);
      assert.deepEqual(req.data.messages?.map((m) => ({ role: m.role, content: m.content })), [
        ...(run.sent.systemInstruction ? [{ role: 'system', content: run.sent.systemInstruction.parts[0].text }] : []),
        { role: 'user', content: run.sent.contents[0].parts[0].text },
      ]);
      if (run.sent.tools) assert.deepEqual(req.data.tools?.map((t) => t.name), ['get_weather']);
      // What the client received, message by message: its last says how it ended and what it cost.
      const chunks: Obj[] = streaming ? run.result.chunks : [run.result];
      const last = chunks[chunks.length - 1];
      const parts = chunks.flatMap((c) => c.candidates[0].content.parts);
      const text = parts.filter((p) => p.data === 'text').map((p) => p.text).join('');
      const calls = parts.filter((p) => p.data === 'functionCall').map((p) => ({ name: p.functionCall.name, arguments: plain(p.functionCall.args) }));
      assert.equal(res.data.provider_request_id, last.responseId);
      assert.equal(res.data.model?.id, last.modelVersion);
      assert.equal(res.data.choices?.[0].message.content ?? '', text);
      assert.deepEqual((res.data.tool_calls ?? []).map((t) => ({ name: t.name, arguments: t.arguments })), calls);
      assert.equal(res.data.finish_reason, calls.length ? 'tool_calls' : 'stop');
      assert.equal(res.data.usage?.prompt_tokens, last.usageMetadata.promptTokenCount);
      assert.equal(res.data.usage?.completion_tokens, last.usageMetadata.candidatesTokenCount);
      assert.equal(res.data.usage?.total_tokens, last.usageMetadata.totalTokenCount);
      assert.ok(res.data.success);
      assertToolCallEvents(run, res);
    });
  }

  for (const scenario of ['cohere-chat', 'cohere-chat-stream']) {
    it(scenario, async () => {
      const run = await runSdk(scenario);
      const req = one<AiRequest>(run.events, 'ai.request');
      const res = one<AiResponse>(run.events, 'ai.response');
      const r = run.result;
      assert.equal(req.data.provider.name, 'cohere');
      assert.equal(req.data.model?.id, run.sent.model);
      assert.equal(req.data.streaming, scenario.endsWith('stream'));
      assert.deepEqual(req.data.messages?.map((m) => ({ role: m.role, content: m.content })), run.sent.messages);
      assert.equal(res.data.provider_request_id, r.id);
      assert.equal(res.data.provider_finish_reason, r.finishReason);
      const text = r.text ?? (r.message?.content ?? []).map((c: Obj) => c.text).join('');
      assert.equal(res.data.choices?.[0].message.content ?? '', text);
      const calls = (r.message?.toolCalls ?? []).map((c: Obj) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      assert.deepEqual((res.data.tool_calls ?? []).map((t) => ({ id: t.id, name: t.name, arguments: t.arguments })), calls);
      assert.equal(res.data.usage?.prompt_tokens, r.usage.tokens.inputTokens);
      assert.equal(res.data.usage?.completion_tokens, r.usage.tokens.outputTokens);
      assertToolCallEvents(run, res);
    });
  }

  for (const scenario of ['bedrock-converse', 'bedrock-converse-stream']) {
    it(`${scenario} (the AWS SDK's HTTP/2 handler, SigV4)`, async () => {
      const run = await runSdk(scenario);
      const req = one<AiRequest>(run.events, 'ai.request');
      const res = one<AiResponse>(run.events, 'ai.response');
      const r = run.result;
      assert.equal(req.data.provider.name, 'aws.bedrock');
      assert.equal(req.data.provider.region, 'us-east-1');
      assert.equal(req.data.model?.id, run.sent.modelId);
      assert.equal(req.data.streaming, scenario.endsWith('stream'));
      assert.deepEqual(req.data.messages?.map((m) => ({ role: m.role, content: m.content })), run.sent.messages.map((m: Obj) => ({ role: m.role, content: m.content[0].text })));
      assert.equal(req.data.auth?.type, 'sigv4');
      assert.equal(res.data.provider_request_id, r.requestId);
      assert.equal(res.data.provider_finish_reason, r.stopReason);
      const content = r.output?.message?.content ?? [];
      const text = r.text ?? content.filter((c: Obj) => c.text !== undefined).map((c: Obj) => c.text).join('');
      assert.equal(res.data.choices?.[0].message.content ?? '', text);
      const calls = content.filter((c: Obj) => c.toolUse).map((c: Obj) => ({ id: c.toolUse.toolUseId, name: c.toolUse.name, arguments: c.toolUse.input }));
      assert.deepEqual((res.data.tool_calls ?? []).map((t) => ({ id: t.id, name: t.name, arguments: t.arguments })), calls);
      assert.equal(res.data.usage?.prompt_tokens, r.usage.inputTokens);
      assert.equal(res.data.usage?.completion_tokens, r.usage.outputTokens);
      assert.equal(res.data.usage?.total_tokens, r.usage.totalTokens);
      assertToolCallEvents(run, res);
    });
  }

  it('secrets never leave: a distinctive API key in every SDK\'s headers and credentials inside a prompt appear in no event and no log line', async () => {
    const run = await runSdk('openai-chat-secrets');
    const req = one<AiRequest>(run.events, 'ai.request');
    assert.equal(req.data.auth?.type, 'bearer');
    assert.equal(req.data.auth?.key_prefix, 'sk-proj-');
    assert.match(req.data.auth?.key_hash ?? '', /^hmac-sha256:[0-9a-f]{16}$/);
    assert.match(JSON.stringify(req.data.messages), /ghp_…\[REDACTED\].*AKIA…\[REDACTED\]/);
    assert.ok(req.attrs?.['oisp.redacted'], 'the event says where it redacted');
    const everything = JSON.stringify(captured.filter((e) => !e.event_type.startsWith('capture.') && !e.event_type.startsWith('http.'))) + logs.join('');
    for (const secret of SECRETS) assert.equal(everything.includes(secret), false, `${secret.slice(0, 12)}… leaked`);
    // Every scenario of this suite ran with the distinctive key: none of them let it out.
    assert.ok(captured.filter((e) => e.event_type === 'ai.request').length >= 10);
  });

  it('openai-embeddings', async () => {
    const run = await runSdk('openai-embeddings');
    const emb = one<AiEmbedding>(run.events, 'ai.embedding');
    assert.equal(emb.data.model?.id, run.result.model);
    assert.equal(emb.data.input_count, run.result.data.length);
    assert.equal(emb.data.dimensions, run.result.data[0].embedding.length);
    assert.equal(emb.data.usage?.prompt_tokens, run.result.usage.prompt_tokens);
  });
});
