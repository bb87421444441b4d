import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { ServiceTelemetry } from './service-telemetry.ts';
import { renderPrometheus } from './prometheus.ts';
import { parseListenAddress, startMetricsServer } from './metrics-server.ts';

function logCapture(level = 'debug') {
  const lines: Array<Record<string, any>> = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text format: every sample line must parse, every family needs TYPE. */
function parseExposition(text: string): Sample[] {
  assert.ok(text.endsWith('\n'));
  const samples: Sample[] = [];
  const typed = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const type = /^# TYPE (\w+) (counter|gauge)$/.exec(line);
    if (type) {
      typed.add(type[1]);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    assert.ok(typed.has(m[1]), `no TYPE before ${m[1]}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /(\w+)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let lm: RegExpExecArray | null;
    let consumed = 0;
    while ((lm = re.exec(body))) {
      labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
      consumed = re.lastIndex;
    }
    assert.equal(consumed, body.length, `bad labels: ${body}`);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function find(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;
}

test('component telemetry: counts by kind, logs the first error of each kind once at debug', () => {
  const { logger, lines } = logCapture();
  const telemetry = new ServiceTelemetry();
  const http = telemetry.component('http', 'processor', logger.child({ component: 'http' }));
  http.accepted(10);
  http.emitted(8);
  http.dropped('not_http', 2);
  http.dropped('not_http');
  http.dropped('ignored', 0);
  for (let i = 0; i < 5; i++) http.error('bad_chunked', new Error(`bad chunk size at ${i}`));
  http.error('bad_header', { line: 'X' });
  assert.deepEqual(http.counts(), { id: 'http', kind: 'processor', accepted: 10, emitted: 8, dropped: { not_http: 3 }, errors: { bad_chunked: 5, bad_header: 1 } });
  assert.equal(http.errorCount(), 6);
  assert.equal(http.droppedCount('not_http'), 3);
  assert.equal(lines.length, 2, 'one log line per error kind');
  assert.equal(lines[0].level, 20);
  assert.equal(lines[0].error_kind, 'bad_chunked');
  assert.equal(lines[0].detail.message, 'bad chunk size at 0');
  assert.equal(lines[0].component, 'http');
  assert.deepEqual(lines[1].detail, { line: 'X' });
  assert.equal(telemetry.component('http', 'processor', logger), http, 'one recorder per (kind, id)');
  assert.notEqual(telemetry.component('http', 'exporter', logger), http);
});

test('custom counters and gauges carry component labels and their own', () => {
  const telemetry = new ServiceTelemetry();
  const ebpf = telemetry.component('ebpf', 'receiver', pino({ level: 'silent' }));
  ebpf.add('ring_lost_records', 3, { cpu: '0' });
  ebpf.add('ring_lost_records', 2, { cpu: '0' });
  ebpf.add('ring_lost_records', -7, { cpu: '0' }); // counters never go down
  ebpf.add('attach-ms total'); // folded into a metric name
  ebpf.gauge('queue_depth', 12);
  ebpf.gauge('queue_depth', 4);
  assert.equal(ebpf.counter('ring_lost_records', { cpu: '0' }), 5);
  assert.equal(ebpf.counter('ring_lost_records', { cpu: '1' }), 0);
  assert.equal(ebpf.gaugeValue('queue_depth'), 4);
  assert.equal(ebpf.counter('attach_ms_total'), 1);
});

test('Prometheus exposition parses back with every count', () => {
  const telemetry = new ServiceTelemetry();
  const silent = pino({ level: 'silent' });
  const file = telemetry.component('file', 'receiver', silent);
  const filter = telemetry.component('example_filter', 'processor', silent);
  const out = telemetry.component('file', 'exporter', silent);
  file.emitted(1000);
  filter.accepted(1000);
  filter.emitted(999);
  filter.dropped('filtered');
  out.accepted(999);
  out.error('write_failed', new Error('ENOSPC'));
  filter.add('events_tagged', 7, { tag: 'say "hi"\\\n' });
  filter.gauge('held_events', 3);
  const samples = parseExposition(renderPrometheus(telemetry));
  assert.equal(find(samples, 'oisp_component_emitted_events_total', { component: 'file', kind: 'receiver' }), 1000);
  assert.equal(find(samples, 'oisp_component_accepted_events_total', { component: 'file', kind: 'exporter' }), 999);
  assert.equal(find(samples, 'oisp_component_accepted_events_total', { component: 'example_filter', kind: 'processor' }), 1000);
  assert.equal(find(samples, 'oisp_component_accepted_events_total', { component: 'file', kind: 'receiver' }), undefined, 'receivers accept nothing');
  assert.equal(find(samples, 'oisp_component_dropped_events_total', { component: 'example_filter', kind: 'processor', reason: 'filtered' }), 1);
  assert.equal(find(samples, 'oisp_component_errors_total', { component: 'file', kind: 'exporter', error: 'write_failed' }), 1);
  assert.equal(find(samples, 'oisp_events_tagged_total', { component: 'example_filter', kind: 'processor', tag: 'say "hi"\\\n' }), 7);
  assert.equal(find(samples, 'oisp_held_events', { component: 'example_filter', kind: 'processor' }), 3);
  assert.ok(find(samples, 'process_cpu_seconds_total', {})! > 0);
  assert.ok(find(samples, 'process_resident_memory_bytes', {})! > 1e6);
});

test('metrics server: serves /metrics on the given address, 404 elsewhere, closes', async () => {
  const { logger, lines } = logCapture('info');
  let renders = 0;
  const server = await startMetricsServer('127.0.0.1:0', () => `# TYPE up gauge\nup ${++renders}\n`, logger);
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const res = await fetch(server.url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  assert.equal(await res.text(), '# TYPE up gauge\nup 1\n');
  assert.equal((await fetch(server.url.replace('/metrics', '/other'))).status, 404);
  assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
  assert.ok(!lines.some((l) => l.level === 40), 'no warning for loopback');
  await server.close();
  await assert.rejects(fetch(server.url));
});

test('metrics server: a non-loopback address works with a warning; bad addresses name the field', async () => {
  const { logger, lines } = logCapture('info');
  const server = await startMetricsServer('0.0.0.0:0', () => '', logger);
  assert.ok(lines.some((l) => l.level === 40 && /non-loopback/.test(l.msg)));
  await server.close();
  assert.deepEqual(parseListenAddress('[::1]:9464'), { host: '::1', port: 9464 });
  assert.deepEqual(parseListenAddress('localhost:8888'), { host: 'localhost', port: 8888 });
  assert.throws(() => parseListenAddress('8888'), /^Error: service::telemetry::metrics::address: must be host:port/);
  assert.throws(() => parseListenAddress('127.0.0.1:70000'), /must be host:port/);
  const busy = await startMetricsServer('127.0.0.1:0', () => '', logger);
  const port = new URL(busy.url).port;
  await assert.rejects(startMetricsServer(`127.0.0.1:${port}`, () => '', logger), /^Error: service::telemetry::metrics::address: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  await busy.close();
});
