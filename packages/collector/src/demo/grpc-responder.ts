// The mock provider's gRPC side: Google's Generative Language API (GenerativeService
// GenerateContent and StreamGenerateContent) over HTTP/2, as Google's gRPC clients call it. The
// request message is decoded to the REST JSON and answered by the same Gemini responder as REST;
// each reply object is one length-prefixed protobuf message, then grpc-status in the trailers.
import type http2 from 'node:http2';
import { generativeType, jsonToMessage, messageToJson } from '@oisp/processor-providers';
import { respond } from './responders.ts';

const METHOD = /^\/google\.ai\.generativelanguage\.(v1[a-z0-9]*)\.GenerativeService\/(GenerateContent|StreamGenerateContent)$/;

export function isGrpcRequest(req: http2.Http2ServerRequest): boolean {
  return String(req.headers['content-type'] ?? '').startsWith('application/grpc');
}

function frame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** Answers one gRPC call; returns the request message as JSON (what the mock received). */
export async function answerGrpc(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, raw: Buffer): Promise<unknown> {
  const m = METHOD.exec(req.url ?? '');
  if (!m) {
    res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': encodeURIComponent(`mock: no method ${req.url}`) });
    res.end();
    return undefined;
  }
  const [, version, method] = m;
  const requestType = generativeType(version, 'GenerateContentRequest');
  const length = raw.length >= 5 ? raw.readUInt32BE(1) : 0;
  const body = messageToJson(requestType, requestType.decode(raw.subarray(5, 5 + length)));
  const model = String(body.model ?? 'models/gemini').replace(/^models\//, '');
  const rest = method === 'GenerateContent' ? 'generateContent' : 'streamGenerateContent';
  const reply = respond({ host: 'generativelanguage.googleapis.com', path: `/${version}/models/${model}:${rest}`, query: new URLSearchParams(), method: 'POST', headers: {}, body });
  // The REST reply's JSON objects: one body, or one per SSE event.
  const objects = reply.chunks
    ? reply.chunks.map((c) => JSON.parse(String(c).replace(/^data: /, '')))
    : [JSON.parse(String(reply.body))];
  const responseType = generativeType(version, 'GenerateContentResponse');
  res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity' });
  for (const obj of objects) {
    res.write(frame(responseType.encode(jsonToMessage(responseType, obj)).finish()));
    await new Promise((r) => setTimeout(r, 2));
  }
  res.addTrailers({ 'grpc-status': '0' });
  res.end();
  return body;
}
