// bench/otlp.ts: spans/s and CPU seconds of the otlp exporter — model-call events in, OTLP/HTTP
// protobuf out to a local receiver — beside the same spans built directly with the OTel SDK
// (TracerProvider + BatchSpanProcessor + OTLPTraceExporter) to the same receiver, in the same run.
// Run: node --expose-gc bench/otlp.ts [calls]   (default 20,000 model calls = 20,000 spans)
import { once } from 'node:events';
import http from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createTestSettings } from '@oisp/core/testing';
import { createDefaultConfig } from '../packages/exporter-otlp/src/config.ts';
import { OtlpExporter } from '../packages/exporter-otlp/src/otlp-exporter.ts';
import { calls } from '../packages/exporter-otlp/test/model-calls.ts';

const N = Number(process.argv[2] ?? 20_000);
const events = calls(N);

// The receiver reads and counts; it answers an empty ExportTraceServiceResponse.
let received = 0;
const server = http.createServer((req, res) => {
  req.on('data', (c: Buffer) => (received += c.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

async function measure(fn: () => Promise<void>): Promise<{ wall: number; cpu: number; bytes: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  received = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6, bytes: received };
}

async function ours(): Promise<void> {
  // Throughput, not latency: no linger (a finished span waiting for late events would only move
  // the sends to the end of the run).
  const exporter = new OtlpExporter(createTestSettings('otlp', 'exporter'), { ...createDefaultConfig(), endpoint: url, compression: 'none', span_linger_ms: 0 });
  await exporter.start();
  for (let i = 0; i < events.length; i += 1000) await exporter.consume(events.slice(i, i + 1000));
  await exporter.shutdown();
}

/** The same spans (name, kind, times, attributes, resource) made and exported by the SDK itself. */
async function sdk(): Promise<void> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench', 'process.pid': 7 }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${url}/v1/traces`, concurrencyLimit: 1000 }), maxExportBatchSize: 512, maxQueueSize: 1_000_000, scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < N; i++) {
    const start: [number, number] = [1_764_000_000 + Math.floor(i / 1000), (i % 1000) * 1_000_000];
    const span = tracer.startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT, startTime: start, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'oisp.request_id': `q${i}`, 'gen_ai.request.model': 'gpt-4o-mini', 'server.address': 'api.openai.com', 'server.port': 443,
    } });
    span.end([start[0], start[1] + 500_000]);
  }
  await provider.forceFlush();
  await provider.shutdown();
}

// Warm both, then alternate three times and keep the best of each.
await ours();
await sdk();
const a: Awaited<ReturnType<typeof measure>>[] = [];
const b: Awaited<ReturnType<typeof measure>>[] = [];
for (let i = 0; i < 3; i++) {
  a.push(await measure(ours));
  b.push(await measure(sdk));
}
const best = (runs: typeof a) => runs.sort((x, y) => x.wall - y.wall)[0];
const o = best(a);
const s = best(b);
server.close();
console.log(`${N} model calls -> ${N} spans, uncompressed protobuf to a local receiver`);
console.log(`OTel SDK (spans made by the SDK)  ${s.wall.toFixed(3)} s  ${(N / s.wall).toFixed(0)} spans/s  cpu ${s.cpu.toFixed(3)} s  ${(s.bytes / 1e6).toFixed(1)} MB`);
console.log(`otlp exporter (from events)       ${o.wall.toFixed(3)} s  ${(N / o.wall).toFixed(0)} spans/s  cpu ${o.cpu.toFixed(3)} s  ${(o.bytes / 1e6).toFixed(1)} MB`);
console.log(`ratio (ours / SDK): ${(o.wall / s.wall).toFixed(2)}x wall, ${(o.cpu / s.cpu).toFixed(2)}x cpu`);
