// The http processor as a component: the conformance test every component runs, and behaviour
// that needs more than one fixture file (limits, idle connections, timing of emission).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateEvent, type OispEvent } from '@oisp/core';
import { createTestSettings, runConformance, SinkConsumer } from '@oisp/core/testing';
import factory from './index.ts';
import { createDefaultConfig, type HttpProcessorConfig } from './config.ts';
import { HttpProcessor } from './http-processor.ts';
import { CaptureScript, testConn } from './internal/capture-script.ts';

runConformance(factory, { ownedEventTypes: ['capture.*'] });

function make(config: Partial<HttpProcessorConfig> = {}) {
  const settings = createTestSettings('http');
  const sink = new SinkConsumer();
  const processor = new HttpProcessor(settings, { ...createDefaultConfig(), ...config }, sink);
  return { settings, sink, processor };
}

const types = (events: OispEvent[]) => events.map((e) => e.event_type);

describe('http processor', () => {
  it('emits the request as soon as it is complete, before a long stream ends', async () => {
    const { sink, processor } = make();
    const s = new CaptureScript(testConn('early'));
    s.egress('POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
    await processor.consume(s.events.splice(0));
    assert.deepEqual(types(sink.events), ['http.request']);
    s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
    s.ingress('f\r\ndata: {"a":1}\n\n\r\n');
    await processor.consume(s.events.splice(0));
    assert.deepEqual(types(sink.events), ['http.request'], 'the response is emitted when it ends');
    assert.ok(processor.bufferedBytes > 0);
    s.ingress('0\r\n\r\n');
    await processor.consume(s.events.splice(0));
    assert.deepEqual(types(sink.events), ['http.request', 'http.response']);
    assert.equal(sink.events[1].data.exchange_id, sink.events[0].data.exchange_id);
    assert.equal(sink.events[1].data.stream.events[0].data, '{"a":1}');
  });

  it('copies the envelope of the capture event that started the message', async () => {
    const { sink, processor } = make();
    const s = new CaptureScript(testConn('envelope', { pid: 77 }));
    s.egress('GET / HTTP/1.1\r\nHost: a\r\n', 5).egress('\r\n');
    const first = s.events[0];
    await processor.consume(s.events);
    const [req] = sink.events;
    assert.equal(req.ts, first.ts);
    assert.deepEqual(req.process, first.process);
    assert.deepEqual(req.source, first.source);
    assert.notEqual(req.event_id, first.event_id);
    assert.equal(req.data.conn.pid, 77);
  });

  it('holds a response that ends before its request, so the request comes out first', async () => {
    const { sink, processor } = make();
    const s = new CaptureScript(testConn('early-response'));
    s.egress('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\npartial');
    s.ingress('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    s.close();
    await processor.consume(s.events);
    assert.deepEqual(types(sink.events), ['http.request', 'http.response']);
    assert.equal(sink.events[0].data.aborted, true);
    assert.equal(sink.events[1].data.status, 413);
    assert.equal(sink.events[1].data.exchange_id, sink.events[0].data.exchange_id);
  });

  it('closes idle connections (event time), aborting what is in flight', async () => {
    const { sink, settings, processor } = make({ idle_timeout_ms: 1000 });
    const idle = new CaptureScript(testConn('idle'), 1_764_000_000_000_000_000n);
    idle.egress('GET / HTTP/1.1\r\nHost: a\r\n\r\n').ingress('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel');
    await processor.consume(idle.events);
    assert.equal(processor.openConnections, 1);
    const later = new CaptureScript(testConn('later'), 1_764_000_005_000_000_000n);
    later.egress('GET /x HTTP/1.1\r\nHost: b\r\n\r\n');
    await processor.consume(later.events);
    assert.equal(processor.openConnections, 1);
    assert.equal(settings.telemetry.counter('connections_idle_closed'), 1);
    const response = sink.eventsOfType('http.response')[0];
    assert.equal(response.data.exchange_id, 'idle:0');
    assert.equal(response.data.aborted, true);
    assert.equal(response.data.body.text, 'hel');
  });

  it('keeps at most max_connections, closing the least recently active', async () => {
    const { settings, processor } = make({ max_connections: 3 });
    for (let i = 0; i < 5; i++) {
      const s = new CaptureScript(testConn(`c${i}`), 1_764_000_000_000_000_000n + BigInt(i) * 1_000_000n);
      s.egress('GET / HTTP/1.1\r\nHost: a\r\n');
      await processor.consume(s.events);
    }
    assert.equal(processor.openConnections, 3);
    assert.equal(settings.telemetry.counter('connections_evicted'), 2);
  });

  it('keeps the memory account under max_buffered_bytes, cutting bodies when it is full', async () => {
    const limit = 256 * 1024;
    const { sink, settings, processor } = make({ max_buffered_bytes: limit, max_header_bytes: 4096 });
    const scripts = Array.from({ length: 4 }, (_, i) => new CaptureScript(testConn(`big${i}`)));
    for (const s of scripts) s.egress('GET /big HTTP/1.1\r\nHost: a\r\n\r\n').ingress('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n');
    await processor.consume(scripts.flatMap((s) => s.events.splice(0)));
    for (let round = 0; round < 10; round++) {
      for (const s of scripts) s.ingress('x'.repeat(100_000));
      await processor.consume(scripts.flatMap((s) => s.events.splice(0)));
      assert.ok(processor.bufferedBytes <= limit, `${processor.bufferedBytes} <= ${limit}`);
    }
    assert.ok(processor.peakBufferedBytes <= limit);
    assert.equal(settings.telemetry.gaugeValue('buffered_bytes'), 0);
    const responses = sink.eventsOfType('http.response');
    assert.equal(responses.length, 4);
    for (const r of responses) {
      assert.equal(r.data.body.wire_bytes, 1_000_000);
      assert.equal(r.data.body.truncated, true);
      assert.ok(r.data.body.decoded_bytes <= limit);
      assert.ok(validateEvent(r).valid);
    }
  });

  it('releases everything at shutdown, emitting what was in flight as aborted', async () => {
    const { sink, processor } = make();
    const s = new CaptureScript(testConn('shut'));
    s.egress('GET / HTTP/1.1\r\nHost: a\r\n\r\n').ingress('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nclose-delimited');
    await processor.consume(s.events);
    assert.deepEqual(types(sink.events), ['http.request']);
    await processor.shutdown();
    await processor.shutdown();
    assert.deepEqual(types(sink.events), ['http.request', 'http.response']);
    assert.equal(sink.events[1].data.body.text, 'close-delimited');
    assert.equal(processor.bufferedBytes, 0);
    assert.equal(processor.openConnections, 0);
  });

  it('counts a malformed capture event instead of throwing', async () => {
    const { settings, sink, processor } = make();
    const bad = { ...new CaptureScript(testConn('x')).egress('GET').events[0] };
    bad.data = { ...bad.data, offset: -1 };
    await processor.consume([bad]);
    assert.equal(settings.telemetry.errorCount('bad_capture_event'), 1);
    assert.equal(sink.events.length, 0);
  });
});
