// A provider's error body, in any of the shapes providers use, as {type, code, message}.
import type { HttpHeaders } from '@oisp/core';
import type { ProviderError } from './api-decoder.ts';
import { asNumber, asString, header, isObject } from './http-body.ts';

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * OpenAI / compatible: {error: {message, type, code, param}}; Anthropic: {type: 'error', error:
 * {type, message}}; Gemini: {error: {code, message, status}} (or an array of those); Bedrock:
 * {message} with x-amzn-errortype; Cohere / Ollama: {message} or {error: "text"}.
 */
export function providerError(body: unknown, headers?: HttpHeaders): ProviderError | undefined {
  const root = Array.isArray(body) ? body[0] : body;
  if (!isObject(root)) return undefined;
  const err = root.error;
  if (isObject(err)) {
    const out: ProviderError = {};
    const type = str(err.type) ?? str(err.status);
    const code = str(err.code);
    const message = str(err.message);
    if (type) out.type = type;
    if (code) out.code = code;
    if (message) out.message = message;
    return Object.keys(out).length ? out : undefined;
  }
  if (typeof err === 'string') return { message: err };
  const amzType = headers ? header(headers, 'x-amzn-errortype')?.split(':')[0] : undefined;
  const message = asString(root.message) ?? asString(root.Message) ?? asString(root.detail);
  if (message || amzType) {
    const out: ProviderError = {};
    if (amzType) out.type = amzType;
    if (message) out.message = message;
    if (asNumber(root.code) !== undefined || asString(root.code)) out.code = str(root.code);
    return out;
  }
  return undefined;
}

/** An error for a status with no readable body. */
export function statusError(status: number, reason?: string): ProviderError {
  return { type: `http_${status}`, message: reason || `HTTP ${status}` };
}
