// AWS Bedrock InvokeModel (/model/{modelId}/invoke) and InvokeModelWithResponseStream
// (/invoke-with-response-stream): the body is the model vendor's own format. Anthropic's Messages
// on Bedrock (anthropic_version "bedrock-2023-05-31") is decoded as Anthropic, its stream chunks
// arriving base64 inside event-stream frames; any other vendor's body gives the call, the model
// and the token counts Bedrock reports in its headers.
import type { HttpResponse, HttpStreamEvent } from '@oisp/core';
import type { ApiDecoder, CallContext, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { asString, bodyBytes, header, isObject } from '../http-body.ts';
import { anthropicMessages, decodeAnthropicRequest } from './anthropic-messages.ts';
import { eventStreamFrames } from './bedrock-converse.ts';

function isAnthropic(body: unknown): boolean {
  return isObject(body) && asString(body.anthropic_version) !== undefined;
}

function decodeRequest(body: unknown, call: CallContext): DecodedRequest {
  const streaming = call.params.op === 'invoke-with-response-stream';
  if (isAnthropic(body)) return { ...decodeAnthropicRequest(body), streaming };
  const b = isObject(body) ? body : {};
  const prompt = asString(b.inputText) ?? asString(b.prompt);
  return { requestType: 'chat', streaming, ...(prompt !== undefined ? { messages: [{ role: 'user', content: prompt }] } : {}) };
}

function headerUsage(response: HttpResponse): DecodedResponse['usage'] {
  const input = Number(header(response.headers, 'x-amzn-bedrock-input-token-count'));
  const output = Number(header(response.headers, 'x-amzn-bedrock-output-token-count'));
  if (!Number.isFinite(input) || !Number.isFinite(output) || header(response.headers, 'x-amzn-bedrock-input-token-count') === undefined) return undefined;
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

function decodeResponse(response: HttpResponse, body: unknown, request: DecodedRequest, call: CallContext): DecodedResponse {
  const anthropic = isAnthropic(safeParse(call.request.body?.text ?? ''));
  if (request.streaming) {
    const bytes = bodyBytes(response.body);
    const { frames } = bytes ? eventStreamFrames(bytes) : { frames: [] };
    const events: HttpStreamEvent[] = [];
    let error: DecodedResponse['error'];
    for (const f of frames) {
      if (f.messageType === 'exception') error = { type: f.exceptionType };
      else if (isObject(f.json) && asString(f.json.bytes)) events.push({ ts: response.first_byte_ts, data: Buffer.from(f.json.bytes as string, 'base64').toString('utf8') });
    }
    if (anthropic) {
      const out = anthropicMessages.decodeResponse({ ...response, stream: { format: 'sse', events } }, undefined, request, call);
      if (error) out.error = error;
      return out;
    }
    return { ...(error ? { error } : {}), ...(headerUsage(response) ? { usage: headerUsage(response) } : {}) };
  }
  if (anthropic) return anthropicMessages.decodeResponse(response, body, request, call);
  const usage = headerUsage(response);
  return usage ? { usage } : {};
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const bedrockInvoke: ApiDecoder = { api: 'aws.bedrock.invoke', decodeRequest, decodeResponse };
