// Which decoder reads a call: method + path, tried in order for the provider's API style, then the
// OpenAI-compatible routes every style may also serve (Gemini, Anthropic and Ollama all have them).
// Calls to a provider that are not model calls (model lists, files, batches) are named, not decoded.
import type { ApiDecoder } from './api-decoder.ts';
import type { ApiStyle } from './provider-table.ts';
import { anthropicMessages } from './decoders/anthropic-messages.ts';
import { bedrockConverse } from './decoders/bedrock-converse.ts';
import { bedrockInvoke } from './decoders/bedrock-invoke.ts';
import { cohereChat } from './decoders/cohere-chat.ts';
import { ollama } from './decoders/ollama.ts';
import { gemini, geminiEmbed } from './decoders/gemini.ts';
import { geminiGrpc } from './decoders/gemini-grpc.ts';
import { openaiChat } from './decoders/openai-chat.ts';
import { openaiCompletions } from './decoders/openai-completions.ts';
import { openaiEmbeddings } from './decoders/openai-embeddings.ts';
import { openaiResponses } from './decoders/openai-responses.ts';
import { openaiResponsesWebSocket } from './decoders/openai-responses-websocket.ts';
import { openaiRealtime } from './decoders/openai-realtime.ts';
import type { WebSocketApi } from './websocket-api.ts';

export interface Route {
  method: string;
  /** Named groups become CallContext.params (model, deployment, ...). */
  path: RegExp;
  /** A substring every matching path holds: checked first, so most routes cost no regex run. */
  hint?: string;
  decoder: ApiDecoder;
}

/** Per style, most specific first. */
const STYLE_ROUTES: Record<ApiStyle, Route[]> = {
  openai: [],
  anthropic: [{ method: 'POST', hint: '/messages', path: /^\/v1\/messages$/, decoder: anthropicMessages }],
  // Gemini API: /v1beta/models/{model}:{method}; Vertex: /v1/projects/{p}/locations/{l}/publishers/google/models/{model}:{method}
  gemini: [
    { method: 'POST', hint: 'enerateContent', path: /^\/v1[a-z0-9]*\/(?:projects\/[^/]+\/locations\/[^/]+\/publishers\/[^/]+\/)?models\/(?<model>[^/:]+):(?<method>generateContent|streamGenerateContent)$/, decoder: gemini },
    // The same API over gRPC: /google.ai.generativelanguage.{version}.GenerativeService/{Method}
    { method: 'POST', hint: 'GenerativeService/', path: /^\/google\.ai\.generativelanguage\.(?<version>v1[a-z0-9]*)\.GenerativeService\/(?<method>GenerateContent|StreamGenerateContent)$/, decoder: geminiGrpc },
    { method: 'POST', hint: 'mbedContent', path: /^\/v1[a-z0-9]*\/(?:projects\/[^/]+\/locations\/[^/]+\/publishers\/[^/]+\/)?models\/(?<model>[^/:]+):(?<method>embedContent|batchEmbedContents)$/, decoder: geminiEmbed },
  ],
  // The model id is URL-encoded (it may be an ARN or an inference profile).
  bedrock: [
    { method: 'POST', hint: '/model/', path: /^\/model\/(?<model>[^/]+)\/(?<op>converse|converse-stream)$/, decoder: bedrockConverse },
    { method: 'POST', hint: '/model/', path: /^\/model\/(?<model>[^/]+)\/(?<op>invoke|invoke-with-response-stream)$/, decoder: bedrockInvoke },
  ],
  cohere: [
    { method: 'POST', hint: '/v2/', path: /^\/v2\/(?:chat|embed)$/, decoder: cohereChat },
  ],
  ollama: [{ method: 'POST', hint: '/api/', path: /^\/api\/(?:chat|generate|embed|embeddings)$/, decoder: ollama }],
};

/** OpenAI's paths, with Azure's deployment form (`/openai/deployments/{deployment}/...`). */
const OPENAI_ROUTES: Route[] = [
  { method: 'POST', hint: '/chat/completions', path: /^(?:.*\/deployments\/(?<deployment>[^/]+))?.*\/chat\/completions$/, decoder: openaiChat },
  { method: 'POST', hint: '/responses', path: /^(?:.*\/deployments\/(?<deployment>[^/]+))?.*\/responses$/, decoder: openaiResponses },
  { method: 'POST', hint: '/embeddings', path: /^(?:.*\/deployments\/(?<deployment>[^/]+))?.*\/embeddings$/, decoder: openaiEmbeddings },
  { method: 'POST', hint: '/completions', path: /^(?:.*\/deployments\/(?<deployment>[^/]+))?.*\/completions$/, decoder: openaiCompletions },
];

/** Requests to a provider that are not model calls: what they were, by path. */
const OTHER_CALLS: [RegExp, string][] = [
  [/\/models(?:\/[^/:]+)?$/, 'list_models'],
  [/\/files(?:\/|$)/, 'files'],
  [/\/uploads(?:\/|$)/, 'uploads'],
  [/\/batches(?:\/|$)/, 'batches'],
  [/\/fine_tuning(?:\/|$)/, 'fine_tuning'],
  [/\/count_tokens$|:countTokens$/, 'count_tokens'],
  [/\/moderations$/, 'moderation'],
  [/\/images\//, 'images'],
  [/\/audio\//, 'audio'],
  [/\/(?:assistants|threads|vector_stores)(?:\/|$)/, 'assistants'],
  [/\/api\/(?:tags|ps|show|pull|push|version|copy|delete|create)$/, 'model_management'],
];

export interface RouteMatch {
  decoder: ApiDecoder;
  params: Record<string, string>;
}

function matchIn(routes: Route[], method: string, path: string): RouteMatch | undefined {
  for (const r of routes) {
    if (r.method !== method || (r.hint !== undefined && !path.includes(r.hint))) continue;
    const m = r.path.exec(path);
    if (m) return { decoder: r.decoder, params: { ...(m.groups ?? {}) } };
  }
  return undefined;
}

export function findRoute(style: ApiStyle, method: string, path: string): RouteMatch | undefined {
  return matchIn(STYLE_ROUTES[style], method, path) ?? matchIn(OPENAI_ROUTES, method, path);
}

/** For servers no table names: only the OpenAI-compatible and Ollama routes count as an API shape. */
export function findShapeRoute(method: string, path: string): { route: RouteMatch; style: ApiStyle } | undefined {
  const openai = matchIn(OPENAI_ROUTES, method, path);
  if (openai) return { route: openai, style: 'openai' };
  const ollama = matchIn(STYLE_ROUTES.ollama, method, path);
  if (ollama) return { route: ollama, style: 'ollama' };
  return undefined;
}

/** What a non-model call to a provider was. */
export function otherCallType(path: string): string {
  for (const [re, type] of OTHER_CALLS) if (re.test(path)) return type;
  return 'other';
}

/** Model APIs spoken over a WebSocket, by the upgrade request's path (Azure's `/openai/…` forms too). */
const WEBSOCKET_APIS: [RegExp, WebSocketApi][] = [
  [/\/responses$/, openaiResponsesWebSocket],
  [/\/realtime$/, openaiRealtime],
];

export function findWebSocketApi(path: string): WebSocketApi | undefined {
  return WEBSOCKET_APIS.find(([re]) => re.test(path))?.[1];
}
