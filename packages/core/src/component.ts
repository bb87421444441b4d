// The plugin contract (DESIGN.md "The plugin contract"): a package default-exports one factory,
// or an array of them, made with defineReceiver / defineProcessor / defineExporter.
import type { Logger } from 'pino';
import type { Batch } from './event.ts';
import type { ComponentTelemetry } from './telemetry.ts';

export type ComponentKind = 'receiver' | 'processor' | 'exporter';
export type Stability = 'development' | 'alpha' | 'beta' | 'stable' | 'deprecated';

/** Anything that takes batches. Awaiting consume is the backpressure. */
export interface Consumer {
  consume(batch: Batch): Promise<void>;
}

/** What a component is handed at start. */
export interface Host {
  /** Stop the whole collector: a component that cannot go on reports here instead of throwing. */
  reportFatalError(error: Error): void;
  /** Every configured component id, by kind (read-only). */
  readonly componentIds: Readonly<Record<ComponentKind, readonly string[]>>;
  /**
   * For finite receivers (e.g. one that replays a file): "I have emitted everything and every
   * `next.consume` I made has resolved". Call it once, after the last awaited consume; calling it
   * again does nothing. The service resolves its `whenDone` once every receiver has reported done,
   * and the CLI then shuts down (draining processors and exporters). Receivers that run until shut
   * down (live capture) never call it. Each component gets its own Host, so the call is attributed.
   */
  reportDone(): void;
}

export interface Component {
  start(host: Host): Promise<void>;
  /** Idempotent, safe without start; drains what the component holds before resolving. */
  shutdown(): Promise<void>;
}

export type Receiver = Component;
export interface Processor extends Component, Consumer {}
export interface Exporter extends Component, Consumer {}

export interface ComponentSettings {
  /** `type` or `type/name`, as in the config. */
  id: string;
  kind: ComponentKind;
  logger: Logger;
  telemetry: ComponentTelemetry;
  /** Folder of the (first) config file; relative paths in a component's config resolve from it. */
  configDir: string;
  /** The collector's own name and version, for events' `source`. */
  buildInfo: BuildInfo;
}

export interface BuildInfo {
  command: string;
  version: string;
}

export interface Capabilities {
  /** True when consume changes the events it is given: fan-out then hands it its own copy. */
  mutatesData: boolean;
}

/** A JSON Schema object (draft 2020-12 subset that ajv understands). */
export type JsonSchema = Record<string, unknown>;

interface FactoryBase<C> {
  /** lower_snake_case; the YAML uses `type` or `type/name`. */
  type: string;
  stability: Stability;
  /** Validated with ajv (useDefaults): defaults in the schema fill the config. Mark secrets with `"x-secret": true`. */
  configSchema: JsonSchema;
  createDefaultConfig(): C;
  /** Cross-field rules: throw an Error whose message names the field (`field: problem`). */
  validate?(config: C): void;
  /** Package the factory came from; filled by the registry when loaded through `plugins:`. */
  package?: string;
}

export interface ReceiverFactory<C = any> extends FactoryBase<C> {
  kind: 'receiver';
  create(settings: ComponentSettings, config: C, next: Consumer): Receiver;
}

export interface ProcessorFactory<C = any> extends FactoryBase<C> {
  kind: 'processor';
  capabilities: Capabilities;
  create(settings: ComponentSettings, config: C, next: Consumer): Processor;
}

export interface ExporterFactory<C = any> extends FactoryBase<C> {
  kind: 'exporter';
  capabilities: Capabilities;
  create(settings: ComponentSettings, config: C): Exporter;
}

export type Factory = ReceiverFactory | ProcessorFactory | ExporterFactory;

export function defineReceiver<C>(factory: Omit<ReceiverFactory<C>, 'kind'>): ReceiverFactory<C> {
  return { ...factory, kind: 'receiver' };
}

export function defineProcessor<C>(factory: Omit<ProcessorFactory<C>, 'kind'>): ProcessorFactory<C> {
  return { ...factory, kind: 'processor' };
}

export function defineExporter<C>(factory: Omit<ExporterFactory<C>, 'kind'>): ExporterFactory<C> {
  return { ...factory, kind: 'exporter' };
}
