// The running collector: builds the graph, starts it (exporters, processors back to front,
// receivers), and shuts it down (receivers, processors front to back, exporters), draining each.
import type { Logger } from 'pino';
import type { BuildInfo, ComponentKind, Host } from '../component.ts';
import type { CollectorConfig, FactoryLookup } from '../config/types.ts';
import { startMetricsServer, type MetricsServer } from '../telemetry/metrics-server.ts';
import { renderPrometheus } from '../telemetry/prometheus.ts';
import { ServiceTelemetry } from '../telemetry/service-telemetry.ts';
import { buildGraph, type ComponentNode, type Graph } from './graph.ts';
import { formatSummary, summarize, type LifecycleError, type ServiceSummary } from './summary.ts';

export interface ServiceOptions {
  /** Loaded and validated (defaults filled): components' configs are handed to create as they are. */
  config: CollectorConfig;
  factories: FactoryLookup;
  /** The root logger; each component gets logger.child({ component: id, kind }). */
  logger: Logger;
  buildInfo: BuildInfo;
  configDir: string;
}

type State = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Service {
  readonly telemetry = new ServiceTelemetry();
  /** Resolves once every receiver has called host.reportDone() (a finite input was fully replayed). */
  readonly whenDone: Promise<void>;
  /** Resolves with the first error a component reported through host.reportFatalError(). */
  readonly whenFatal: Promise<Error>;
  readonly componentIds: Readonly<Record<ComponentKind, readonly string[]>>;

  readonly #options: ServiceOptions;
  readonly #logger: Logger;
  readonly #graph: Graph;
  #state: State = 'created';
  #starting: Promise<void> | undefined;
  #stopping: Promise<ServiceSummary> | undefined;
  readonly #errors: LifecycleError[] = [];
  readonly #done = new Set<string>();
  #resolveDone!: () => void;
  #resolveFatal!: (error: Error) => void;
  #fatal: Error | undefined;
  #metrics: MetricsServer | undefined;

  /** Builds (creates) every component; throws, naming the config path, when the graph cannot be built. */
  constructor(options: ServiceOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.whenDone = new Promise((resolve) => (this.#resolveDone = resolve));
    this.whenFatal = new Promise((resolve) => (this.#resolveFatal = resolve));
    this.#graph = buildGraph({ ...options, telemetry: this.telemetry });
    this.telemetry.registry.set('oisp_build_info', 1, { command: options.buildInfo.command, version: options.buildInfo.version });
    this.componentIds = this.#graph.componentIds;
    if (this.#graph.receivers.length === 0) this.#resolveDone();
  }

  /** Where the Prometheus endpoint listens once started, when configured. */
  get metricsUrl(): string | undefined {
    return this.#metrics?.url;
  }

  /** Components in start order: exporters, then each pipeline's processors back to front, then receivers. */
  #startOrder(): ComponentNode[] {
    const processors = [...this.#graph.processors.values()].flatMap((nodes) => [...nodes].reverse());
    return [...this.#graph.exporters, ...processors, ...this.#graph.receivers];
  }

  /** Components in shutdown order: receivers, then each pipeline's processors front to back, then exporters. */
  #shutdownOrder(): ComponentNode[] {
    const processors = [...this.#graph.processors.values()].flat();
    return [...this.#graph.receivers, ...processors, ...this.#graph.exporters];
  }

  #hostFor(node: ComponentNode): Host {
    return {
      componentIds: this.componentIds,
      reportFatalError: (error: Error) => this.#reportFatal(node, error),
      reportDone: () => this.#reportDone(node),
    };
  }

  #reportFatal(node: ComponentNode, error: Error): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.#errors.push({ id: node.id, kind: node.kind, phase: 'fatal', message: err.message });
    node.logger.error({ err }, 'fatal error reported; the collector stops');
    if (this.#fatal) return;
    this.#fatal = new Error(`${node.kind} "${node.id}": ${err.message}`, { cause: err });
    this.#resolveFatal(this.#fatal);
  }

  #reportDone(node: ComponentNode): void {
    if (node.kind !== 'receiver') {
      node.logger.warn('reportDone is for receivers; ignored');
      return;
    }
    if (this.#done.has(node.id)) return;
    this.#done.add(node.id);
    node.logger.debug('receiver reported done');
    if (this.#done.size === this.#graph.receivers.length) this.#resolveDone();
  }

  /**
   * Starts the metrics endpoint (when configured) and every component. When one fails, what was
   * started is shut down again and this rejects with an error naming the component.
   */
  start(): Promise<void> {
    if (this.#state !== 'created') return Promise.reject(new Error(`service: start called when ${this.#state}`));
    this.#state = 'starting';
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const address = this.#options.config.service.telemetry?.metrics?.address;
    if (address) this.#metrics = await startMetricsServer(address, () => renderPrometheus(this.telemetry), this.#logger);
    const t0 = performance.now();
    for (const node of this.#startOrder()) {
      try {
        await node.component.start(this.#hostFor(node));
      } catch (err) {
        this.#errors.push({ id: node.id, kind: node.kind, phase: 'start', message: message(err) });
        node.logger.error({ err }, 'start failed; stopping what was started');
        await this.#stopAll(this.#options.config.service.shutdown_timeout_ms);
        await this.#closeMetrics();
        this.#state = 'stopped';
        throw new Error(`${node.kind} "${node.id}" failed to start: ${message(err)}`, { cause: err });
      }
    }
    this.#state = 'running';
    const ids = this.componentIds;
    this.#logger.info(
      { pipelines: Object.keys(this.#options.config.service.pipelines), receivers: ids.receiver, processors: ids.processor, exporters: ids.exporter },
      `started in ${Math.round(performance.now() - t0)} ms`,
    );
  }

  /**
   * Shuts everything down in order, awaiting each (they drain), and closes the metrics endpoint.
   * Errors are collected into the summary, never thrown. Idempotent: later calls get the same summary.
   * Called while start is in progress, it waits for start to settle first. `timeoutMs` (default
   * service::shutdown_timeout_ms) bounds the wait for components that never finish (see #stopAll).
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<ServiceSummary> {
    this.#stopping ??= (async () => {
      if (this.#starting) await this.#starting.catch(() => {});
      if (this.#state !== 'stopped') {
        this.#state = 'stopping';
        await this.#stopAll(options.timeoutMs ?? this.#options.config.service.shutdown_timeout_ms);
        this.#state = 'stopped';
      }
      await this.#closeMetrics();
      return this.summary();
    })();
    return this.#stopping;
  }

  async #closeMetrics(): Promise<void> {
    const metrics = this.#metrics;
    this.#metrics = undefined;
    await metrics?.close();
  }

  /**
   * Shuts every component down in order. With a time budget, a component still busy when its share
   * runs out is reported and left behind, and the rest still get their turn (each at least a tenth
   * of the budget, at most a second), so exporters flush what they hold even after a receiver hangs.
   */
  async #stopAll(timeoutMs?: number): Promise<void> {
    const budget = typeof timeoutMs === 'number' && timeoutMs > 0 ? timeoutMs : undefined;
    const deadline = budget === undefined ? undefined : Date.now() + budget;
    const floor = budget === undefined ? 0 : Math.min(1000, budget / 10);
    for (const node of this.#shutdownOrder()) {
      const allowed = deadline === undefined ? undefined : Math.max(deadline - Date.now(), floor);
      let timer: NodeJS.Timeout | undefined;
      try {
        const stopping = node.component.shutdown();
        const outcome = await (allowed === undefined
          ? stopping
          : Promise.race([stopping, new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, allowed, 'timeout')))]));
        if (outcome === 'timeout') {
          stopping.catch(() => {}); // it may still fail later; nobody is waiting any more
          const text = `did not finish within ${Math.round(allowed!)} ms`;
          this.#errors.push({ id: node.id, kind: node.kind, phase: 'shutdown', message: text });
          node.logger.error(`shutdown ${text}; going on without it`);
        }
      } catch (err) {
        this.#errors.push({ id: node.id, kind: node.kind, phase: 'shutdown', message: message(err) });
        node.logger.error({ err }, 'shutdown failed');
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** Counts so far (final once shutdown resolved). */
  summary(): ServiceSummary {
    const { componentIds } = this.#graph;
    const counts = (['receiver', 'processor', 'exporter'] as const).flatMap((kind) =>
      componentIds[kind].map((id) => this.telemetry.get(kind, id)!.counts()),
    );
    return summarize(counts, [...this.#errors]);
  }

  /** The one-line summary: `oisp-collector: 1000 events in, 990 out; file: 990 written; ...`. */
  formatSummary(summary: ServiceSummary = this.summary()): string {
    return formatSummary(summary, this.#options.buildInfo.command);
  }
}
