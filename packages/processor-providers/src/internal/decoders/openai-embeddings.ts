// OpenAI embeddings (POST .../embeddings): how many inputs, how many dimensions, usage. Vectors
// themselves are not kept.
import type { HttpResponse } from '@oisp/core';
import type { ApiDecoder, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { base64Bytes } from '../content-parts.ts';
import { asArray, asNumber, asString, isObject, pick } from '../http-body.ts';
import { openaiUsage } from './openai-chat.ts';

function decodeRequest(body: unknown): DecodedRequest {
  const b = isObject(body) ? body : {};
  const req: DecodedRequest = { requestType: 'embedding', streaming: false };
  if (asString(b.model)) req.model = b.model as string;
  const input = b.input;
  // A string, an array of strings, an array of token ids (one input) or of token arrays.
  if (typeof input === 'string') req.inputCount = 1;
  else if (Array.isArray(input)) req.inputCount = input.length > 0 && typeof input[0] === 'number' ? 1 : input.length;
  const params = pick(b, ['dimensions', 'encoding_format', 'user']);
  if (params) req.parameters = params;
  return req;
}

function decodeResponse(_response: HttpResponse, body: unknown): DecodedResponse {
  if (!isObject(body)) return {};
  const out: DecodedResponse = {};
  if (asString(body.model)) out.model = body.model as string;
  const usage = openaiUsage(body.usage);
  if (usage) out.usage = usage;
  const data = asArray(body.data).filter(isObject);
  out.inputCount = data.length;
  const first = data[0]?.embedding;
  // float arrays, or base64 of little-endian float32 when encoding_format is base64.
  const dims = Array.isArray(first) ? first.length : typeof first === 'string' ? base64Bytes(first) / 4 : asNumber(undefined);
  if (dims !== undefined) out.dimensions = dims;
  return out;
}

export const openaiEmbeddings: ApiDecoder = { api: 'openai.embeddings', decodeRequest, decodeResponse };
