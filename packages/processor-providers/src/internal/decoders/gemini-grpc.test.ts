import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpRequest, HttpResponse } from '@oisp/core';
import { geminiGrpc, generativeType, jsonToMessage, messageToJson } from './gemini-grpc.ts';

const SERVICE = 'google.ai.generativelanguage.v1beta.GenerativeService';
const TS = '2026-11-25T05:00:00.000000000Z';

function encode(name: 'GenerateContentRequest' | 'GenerateContentResponse', json: Record<string, unknown>): string {
  const type = generativeType('v1beta', name);
  return Buffer.from(type.encode(jsonToMessage(type, json)).finish()).toString('base64');
}

const request = {
  model: 'models/gemini-2.0-flash',
  systemInstruction: { parts: [{ text: 'You are a weather assistant.' }] },
  contents: [
    { role: 'user', parts: [{ text: 'What is the weather in Paris?' }] },
    { role: 'model', parts: [{ functionCall: { id: 'call-1', name: 'get_weather', args: { city: 'Paris', days: 2, units: ['C'], nested: { ok: true, none: null } } } }] },
    { role: 'user', parts: [{ functionResponse: { id: 'call-1', name: 'get_weather', response: { temp: 18 } } }] },
  ],
  generationConfig: { temperature: 0.25, maxOutputTokens: 64 },
};

function call(method: string, events: string[]): { request: HttpRequest; path: string; query: URLSearchParams; params: Record<string, string> } {
  const path = `/${SERVICE}/${method}`;
  const req = { method: 'POST', url: path, grpc: { service: SERVICE, method }, stream: { format: 'grpc', events: events.map((data) => ({ ts: TS, data })) } } as unknown as HttpRequest;
  return { request: req, path, query: new URLSearchParams(), params: { version: 'v1beta', method } };
}

describe('gemini over gRPC', () => {
  it('protobuf messages read as the REST JSON, Struct fields as plain JSON, and back', () => {
    const type = generativeType('v1beta', 'GenerateContentRequest');
    const json = messageToJson(type, type.decode(Buffer.from(encode('GenerateContentRequest', request), 'base64')));
    assert.deepEqual(json, request);
  });

  it('decodes the request message: model, messages with the tool call and its result, parameters', () => {
    const c = call('GenerateContent', [encode('GenerateContentRequest', request)]);
    const req = geminiGrpc.decodeRequest(undefined, c);
    assert.equal(req.model, 'gemini-2.0-flash');
    assert.equal(req.streaming, false);
    assert.deepEqual(req.parameters, { temperature: 0.25, maxOutputTokens: 64 });
    assert.deepEqual(req.messages?.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.deepEqual(req.messages?.[2].tool_calls, [{ id: 'call-1', name: 'get_weather', type: 'function', arguments: { city: 'Paris', days: 2, units: ['C'], nested: { ok: true, none: null } } }]);
  });

  it('decodes a server stream: text across messages, usage and finish reason from the last', () => {
    const c = call('StreamGenerateContent', [encode('GenerateContentRequest', request)]);
    const req = geminiGrpc.decodeRequest(undefined, c);
    assert.equal(req.streaming, true);
    const chunks = [
      { candidates: [{ index: 0, content: { role: 'model', parts: [{ text: 'Sunny, ' }] } }], responseId: 'r-1', modelVersion: 'gemini-2.0-flash-001' },
      { candidates: [{ index: 0, content: { role: 'model', parts: [{ text: '18 C.' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 5, totalTokenCount: 35 }, responseId: 'r-1' },
    ];
    const res = { status: 200, grpc: { service: SERVICE, method: 'StreamGenerateContent', status: 0 }, stream: { format: 'grpc', events: chunks.map((j) => ({ ts: TS, data: encode('GenerateContentResponse', j) })) } } as unknown as HttpResponse;
    const out = geminiGrpc.decodeResponse(res, undefined, req, c);
    assert.equal(out.providerRequestId, 'r-1');
    assert.equal(out.model, 'gemini-2.0-flash-001');
    assert.deepEqual(out.choices?.[0].message.content, 'Sunny, 18 C.');
    assert.equal(out.finishReason, 'stop');
    assert.deepEqual(out.usage, { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 });
  });

  it('a non-zero grpc-status is the error, whatever HTTP said', () => {
    const c = call('GenerateContent', [encode('GenerateContentRequest', request)]);
    const res = { status: 200, grpc: { service: SERVICE, method: 'GenerateContent', status: 8, message: 'quota exceeded' }, stream: { format: 'grpc', events: [] } } as unknown as HttpResponse;
    assert.deepEqual(geminiGrpc.decodeResponse(res, undefined, geminiGrpc.decodeRequest(undefined, c), c).error, { type: 'RESOURCE_EXHAUSTED', code: '8', message: 'quota exceeded' });
  });

  it('a message that is not the type says which one', () => {
    const c = call('GenerateContent', ['////']);
    assert.throws(() => geminiGrpc.decodeRequest(undefined, c), /.+/);
    const bad = call('GenerateContent', []);
    bad.request.stream!.events.push({ ts: TS, data: '', error: 'grpc-encoding snappy: unsupported' });
    assert.throws(() => geminiGrpc.decodeRequest(undefined, bad), /gRPC message 0: grpc-encoding snappy/);
  });
});
