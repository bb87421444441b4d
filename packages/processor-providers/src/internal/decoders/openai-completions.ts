// OpenAI legacy completions (POST .../completions): a prompt in, text choices out; also what many
// local servers (vLLM, LM Studio, llama.cpp) still serve.
import type { AiChoice, HttpResponse } from '@oisp/core';
import type { ApiDecoder, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { normaliseFinishReason } from '../finish-reason.ts';
import { asArray, asNumber, asString, isObject, pick, streamJson } from '../http-body.ts';
import { providerError } from '../provider-error.ts';
import { openaiUsage } from './openai-chat.ts';

const PARAMETERS = ['temperature', 'top_p', 'max_tokens', 'stop', 'n', 'seed', 'presence_penalty', 'frequency_penalty', 'logprobs', 'echo', 'best_of', 'suffix', 'user'] as const;

function decodeRequest(body: unknown): DecodedRequest {
  const b = isObject(body) ? body : {};
  const req: DecodedRequest = { requestType: 'completion', streaming: b.stream === true };
  if (asString(b.model)) req.model = b.model as string;
  const prompts = typeof b.prompt === 'string' ? [b.prompt] : asArray(b.prompt).filter((p): p is string => typeof p === 'string');
  if (b.prompt !== undefined) req.messages = prompts.map((p) => ({ role: 'user', content: p }));
  const params = pick(b, PARAMETERS);
  if (params) req.parameters = params;
  return req;
}

function decodeResponse(response: HttpResponse, body: unknown): DecodedResponse {
  const out: DecodedResponse = {};
  const texts = new Map<number, { text: string; finish?: string }>();
  let done = false;
  const take = (obj: Record<string, unknown>, ts?: string) => {
    if (asString(obj.id) && !out.providerRequestId) out.providerRequestId = obj.id as string;
    if (asString(obj.model)) out.model = obj.model as string;
    const usage = openaiUsage(obj.usage);
    if (usage) out.usage = usage;
    for (const c of asArray(obj.choices)) {
      if (!isObject(c)) continue;
      const index = asNumber(c.index) ?? 0;
      const acc = texts.get(index) ?? { text: '' };
      const text = asString(c.text) ?? '';
      acc.text += text;
      if (text && ts && !out.firstOutputTs) out.firstOutputTs = ts;
      if (asString(c.finish_reason)) acc.finish = c.finish_reason as string;
      texts.set(index, acc);
    }
  };
  if (response.stream) {
    for (const { event, json } of streamJson(response.stream.events)) {
      if (event.data.trim() === '[DONE]') done = true;
      else if (isObject(json) && json.error !== undefined) out.error = providerError(json);
      else if (isObject(json)) take(json, event.ts);
    }
  } else if (isObject(body)) take(body);
  const choices: AiChoice[] = [...texts].sort((a, b) => a[0] - b[0]).map(([index, c]) => {
    const choice: AiChoice = { index, message: { role: 'assistant', content: c.text } };
    const finish = normaliseFinishReason(c.finish);
    if (finish) choice.finish_reason = finish;
    return choice;
  });
  if (choices.length) out.choices = choices;
  const first = texts.get(0)?.finish ?? [...texts.values()][0]?.finish;
  if (first) {
    out.providerFinishReason = first;
    out.finishReason = normaliseFinishReason(first);
  }
  if (response.stream && !done && !first && !out.error) out.incomplete = true;
  return out;
}

export const openaiCompletions: ApiDecoder = { api: 'openai.completions', decodeRequest, decodeResponse };
