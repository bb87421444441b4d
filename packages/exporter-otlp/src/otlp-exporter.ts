// The `otlp` exporter: events -> GenAI spans -> OTLP/HTTP protobuf batches, through a bounded
// queue (optionally on disk) and one sender that retries what may succeed later. consume() never
// waits for the network: a backend that is away fills the queue, and the oldest batches are then
// dropped and counted, so the rest of the pipeline keeps flowing.
import type { Batch, ComponentSettings, Exporter } from '@oisp/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { requestHeaders, tracesUrl, type OtlpExporterConfig } from './config.ts';
import { ExportQueue, type QueuedBatch } from './internal/export-queue.ts';
import { OtlpHttpClient } from './internal/otlp-http.ts';
import { ProcessResources } from './internal/resources.ts';
import { nextDelayMs } from './internal/retry-policy.ts';
import { SpanMapper } from './internal/span-mapper.ts';
import { toReadableSpan } from './internal/span-record.ts';

/** How long shutdown keeps trying to deliver what is queued (a queue_dir keeps the rest for next time). */
const DRAIN_MS = 5000;

export class OtlpExporter implements Exporter {
  readonly #settings: ComponentSettings;
  readonly #config: OtlpExporterConfig;
  readonly #mapper: SpanMapper;
  readonly #scope: { name: string; version: string };
  #client?: OtlpHttpClient;
  #queue?: ExportQueue;
  #pending: ReadableSpan[] = [];
  #pendingBytes = 0;
  #timer?: NodeJS.Timeout;
  #wake?: () => void;
  #sender?: Promise<void>;
  #stopping = false;
  #drainDeadline = Infinity;
  #shutDown = false;

  constructor(settings: ComponentSettings, config: OtlpExporterConfig) {
    this.#settings = settings;
    this.#config = config;
    const distro = { name: settings.buildInfo?.command ?? 'oisp-collector', version: settings.buildInfo?.version ?? '0.0.0' };
    this.#scope = { name: distro.name, version: distro.version };
    this.#mapper = new SpanMapper(config, new ProcessResources(distro), settings.telemetry);
  }

  async start(): Promise<void> {
    const url = tracesUrl(this.#config);
    this.#client = new OtlpHttpClient({
      url,
      headers: requestHeaders(this.#config),
      timeoutMs: this.#config.timeout_ms,
      gzip: this.#config.compression === 'gzip',
      caFile: this.#config.tls.ca_file,
    });
    this.#queue = new ExportQueue({ maxBatches: this.#config.queue_max_batches, maxBytes: this.#config.queue_max_bytes }, this.#config.queue_dir, (b) => {
      this.#settings.telemetry.dropped('queue_full', b.spans);
    });
    const recovered = this.#queue.recovered;
    if (recovered.batches > 0) {
      this.#settings.logger.info({ batches: recovered.batches, spans: recovered.spans, queue_dir: this.#config.queue_dir }, 'resending batches queued before the last stop');
      this.#settings.telemetry.add('spans_recovered', recovered.spans);
    }
    // Each tick: requests past their TTL become unfinished spans even when no event comes, then a flush.
    this.#timer = setInterval(() => {
      this.#enqueue(this.#mapper.take());
      this.#flush();
    }, this.#config.flush_interval_ms);
    this.#timer.unref();
    this.#sender = this.#sendLoop();
  }

  async consume(batch: Batch): Promise<void> {
    for (const event of batch) this.#mapper.add(event);
    this.#enqueue(this.#mapper.take());
  }

  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    if (this.#timer) clearInterval(this.#timer);
    if (!this.#client) return;
    this.#enqueue(this.#mapper.takeAll());
    this.#flush();
    this.#drainDeadline = Date.now() + DRAIN_MS;
    this.#stopping = true;
    this.#wake?.();
    await this.#sender;
    const left = this.#queue?.length ?? 0;
    if (left > 0 && !this.#config.queue_dir) {
      let spans = 0;
      for (let b = this.#queue!.peek(); b; b = this.#queue!.peek()) {
        spans += b.spans;
        this.#queue!.remove(b);
      }
      this.#settings.telemetry.dropped('undelivered_at_shutdown', spans);
      this.#settings.logger.warn({ spans }, 'spans not delivered before shutdown');
    } else if (left > 0) {
      this.#settings.logger.info({ batches: left, queue_dir: this.#config.queue_dir }, 'batches kept on disk for the next start');
    }
    this.#client.close();
  }

  #enqueue(records: ReturnType<SpanMapper['take']>): void {
    for (const r of records) {
      this.#pending.push(toReadableSpan(r, this.#scope));
      // A cheap size estimate: what the attributes and events weigh as JSON, plus the fixed fields.
      this.#pendingBytes += 120 + JSON.stringify(r.attributes).length + r.events.length * 80;
      if (this.#pending.length >= this.#config.max_batch_spans || this.#pendingBytes >= this.#config.max_batch_bytes) this.#flush();
    }
  }

  /** Serialise what is pending into one queued batch (split in two if it came out too big). */
  #flush(): void {
    if (this.#pending.length === 0 || !this.#queue) return;
    const spans = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#serialize(spans);
    this.#wake?.();
  }

  #serialize(spans: ReadableSpan[]): void {
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    if (!body) {
      this.#settings.telemetry.error('serialize', `${spans.length} spans could not be serialised`);
      this.#settings.telemetry.dropped('serialize_failed', spans.length);
      return;
    }
    if (body.length > this.#config.max_batch_bytes && spans.length > 1) {
      const half = Math.ceil(spans.length / 2);
      this.#serialize(spans.slice(0, half));
      this.#serialize(spans.slice(half));
      return;
    }
    this.#queue!.push(body, spans.length);
    this.#settings.telemetry.gauge('queue_batches', this.#queue!.length);
  }

  /** One batch at a time, oldest first; a failed batch is retried until it goes or is given up. */
  async #sendLoop(): Promise<void> {
    const queue = this.#queue!;
    let attempt = 0;
    let firstTry = 0;
    for (;;) {
      const batch = queue.peek();
      if (!batch) {
        if (this.#stopping) return;
        await new Promise<void>((r) => (this.#wake = r));
        continue;
      }
      if (this.#stopping && Date.now() >= this.#drainDeadline) return;
      if (attempt === 0) firstTry = Date.now();
      batch.inFlight = true;
      const result = await this.#client!.send(batch.body);
      batch.inFlight = false;
      if (result.kind === 'ok') {
        queue.remove(batch);
        this.#delivered(batch, result.rejectedSpans, result.message);
        attempt = 0;
        continue;
      }
      if (result.kind === 'fail') {
        queue.remove(batch);
        this.#settings.telemetry.dropped(`rejected_${result.status ?? 'error'}`, batch.spans);
        this.#settings.logger.error({ status: result.status, body: result.body, spans: batch.spans }, `the backend refused a batch (${result.reason}); not retried`);
        attempt = 0;
        continue;
      }
      // Retry: a throttled or unavailable backend, or no connection.
      this.#settings.telemetry.add('export_retries', 1, { reason: result.reason.startsWith('HTTP') ? result.reason : 'connection' });
      const maxElapsed = this.#config.retry.max_elapsed_ms;
      if (maxElapsed > 0 && Date.now() - firstTry >= maxElapsed) {
        queue.remove(batch);
        this.#settings.telemetry.dropped('retries_exhausted', batch.spans);
        this.#settings.logger.error({ reason: result.reason, spans: batch.spans }, 'giving up on a batch after retry.max_elapsed_ms');
        attempt = 0;
        continue;
      }
      const delay = nextDelayMs(attempt++, this.#config.retry, result.retryAfterMs);
      if (attempt === 1) this.#settings.logger.warn({ reason: result.reason, retry_in_ms: delay }, 'export failed; retrying');
      if (this.#stopping && Date.now() + delay >= this.#drainDeadline) return;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  #delivered(batch: QueuedBatch, rejected: number, message?: string): void {
    this.#settings.telemetry.add('spans_exported', batch.spans - rejected);
    if (batch.recovered) this.#settings.telemetry.add('spans_resent_after_restart', batch.spans);
    if (rejected > 0 || message) {
      this.#settings.telemetry.dropped('partially_rejected', rejected);
      this.#settings.logger.warn({ rejected_spans: rejected, message }, 'the backend accepted a batch in part');
    }
  }
}
