// The pipeline graph, built like the OpenTelemetry Collector's: one receiver instance per receiver
// id, shared by every pipeline that lists it (its `next` fans out to each pipeline); one processor
// instance per (pipeline, processor id); one exporter instance per exporter id, shared (fan-in).
import type { Logger } from 'pino';
import type {
  BuildInfo,
  Component,
  ComponentKind,
  ComponentSettings,
  Consumer,
  ExporterFactory,
  Factory,
  ProcessorFactory,
  ReceiverFactory,
} from '../component.ts';
import { componentType, type CollectorConfig, type FactoryLookup } from '../config/types.ts';
import type { ComponentTelemetryRecorder } from '../telemetry/component-telemetry.ts';
import type { ServiceTelemetry } from '../telemetry/service-telemetry.ts';
import { planCopies } from './copy-plan.ts';
import { FanOutConsumer } from './fan-out.ts';
import { EmittingConsumer, InstrumentedConsumer } from './instrumented.ts';

export interface GraphOptions {
  config: CollectorConfig;
  factories: FactoryLookup;
  logger: Logger;
  buildInfo: BuildInfo;
  configDir: string;
  telemetry: ServiceTelemetry;
}

export interface ComponentNode {
  id: string;
  kind: ComponentKind;
  /** Processors only: the pipeline this instance belongs to. */
  pipeline?: string;
  component: Component;
  telemetry: ComponentTelemetryRecorder;
  logger: Logger;
  /** Processors and exporters: what upstream calls (counted, never rejects). */
  entry?: Consumer;
}

export interface Graph {
  /** In order of first appearance in the pipelines. */
  receivers: ComponentNode[];
  /** Pipeline name -> its processor instances, in pipeline order. */
  processors: Map<string, ComponentNode[]>;
  exporters: ComponentNode[];
  componentIds: Record<ComponentKind, string[]>;
}

const SECTION: Record<ComponentKind, 'receivers' | 'processors' | 'exporters'> = {
  receiver: 'receivers',
  processor: 'processors',
  exporter: 'exporters',
};

/** A place a batch can go: a pipeline's first processor, or one of its exporters. */
interface Target {
  kind: 'processor' | 'exporter';
  id: string;
  pipeline: string;
  mutates: boolean;
}

export function buildGraph(options: GraphOptions): Graph {
  const { config, factories } = options;
  const pipelines = Object.entries(config.service.pipelines);

  // Check references and find factories before anything is created.
  const factoryOf = new Map<string, Factory>();
  function lookup(kind: ComponentKind, id: string, pipeline: string): Factory {
    const key = `${kind}:${id}`;
    const known = factoryOf.get(key);
    if (known) return known;
    if (!Object.hasOwn(config[SECTION[kind]], id)) {
      throw new Error(`service::pipelines::${pipeline}: references ${kind} "${id}" which is not configured`);
    }
    const factory = factories.get(kind, componentType(id));
    if (!factory || factory.kind !== kind) throw new Error(`${SECTION[kind]}::${id}: unknown ${kind} type "${componentType(id)}"`);
    factoryOf.set(key, factory);
    return factory;
  }
  const mutates = (kind: 'processor' | 'exporter', id: string, pipeline: string) =>
    (lookup(kind, id, pipeline) as ProcessorFactory | ExporterFactory).capabilities.mutatesData;

  const receiverIds: string[] = [];
  const exporterIds: string[] = [];
  const processorIds: string[] = [];
  for (const [name, p] of pipelines) {
    if (p.receivers.length === 0) throw new Error(`service::pipelines::${name}::receivers: must list at least one receiver`);
    if (p.exporters.length === 0) throw new Error(`service::pipelines::${name}::exporters: must list at least one exporter`);
    const collect = (kind: ComponentKind, ids: string[], into: string[]) => {
      for (const [i, id] of ids.entries()) {
        // Listed twice, a component would see (or send) every batch twice.
        if (ids.indexOf(id) !== i) throw new Error(`service::pipelines::${name}::${SECTION[kind]}: "${id}" is listed twice`);
        lookup(kind, id, name);
        if (!into.includes(id)) into.push(id);
      }
    };
    collect('receiver', p.receivers, receiverIds);
    collect('processor', p.processors, processorIds);
    collect('exporter', p.exporters, exporterIds);
  }

  // Where each pipeline's batches go first.
  const entryTargets = (name: string): Target[] => {
    const p = config.service.pipelines[name];
    if (p.processors.length > 0) return [{ kind: 'processor', id: p.processors[0], pipeline: name, mutates: mutates('processor', p.processors[0], name) }];
    return p.exporters.map((id) => ({ kind: 'exporter', id, pipeline: name, mutates: mutates('exporter', id, name) }));
  };
  const receiverTargets = new Map<string, Target[]>();
  for (const id of receiverIds) {
    receiverTargets.set(id, pipelines.filter(([, p]) => p.receivers.includes(id)).flatMap(([name]) => entryTargets(name)));
  }

  // Copy plan, forward: does a processor receive a batch somebody else also holds?
  const firstShared = new Map<string, boolean>(); // pipeline -> its first processor's input is shared
  for (const targets of receiverTargets.values()) {
    const plan = planCopies(targets.map((t) => t.mutates), false);
    targets.forEach((t, i) => {
      if (t.kind === 'processor') firstShared.set(t.pipeline, (firstShared.get(t.pipeline) ?? false) || plan.shared[i]);
    });
  }

  const nodeFor = (kind: ComponentKind, id: string, pipeline?: string): { settings: ComponentSettings; node: Omit<ComponentNode, 'component'> } => {
    const logger = options.logger.child(pipeline ? { component: id, kind, pipeline } : { component: id, kind });
    const telemetry = options.telemetry.component(id, kind, logger);
    return {
      settings: { id, kind, logger, telemetry, configDir: options.configDir, buildInfo: options.buildInfo },
      node: { id, kind, pipeline, telemetry, logger },
    };
  };
  const configOf = (kind: ComponentKind, id: string, factory: Factory): unknown => config[SECTION[kind]][id] ?? factory.createDefaultConfig();
  function create<T>(kind: ComponentKind, id: string, make: () => T): T {
    try {
      return make();
    } catch (err) {
      throw new Error(`${SECTION[kind]}::${id}: cannot create: ${(err as Error).message}`, { cause: err });
    }
  }

  // Exporters first: everything upstream needs their consumers.
  const exporters = new Map<string, ComponentNode>();
  for (const id of exporterIds) {
    const factory = factoryOf.get(`exporter:${id}`) as ExporterFactory;
    const { settings, node } = nodeFor('exporter', id);
    const component = create('exporter', id, () => factory.create(settings, configOf('exporter', id, factory)));
    exporters.set(id, { ...node, component, entry: new InstrumentedConsumer(component, node.telemetry, node.logger) });
  }

  const fanOut = (targets: Target[], incomingShared: boolean, entryOf: (t: Target) => Consumer): FanOutConsumer => {
    const plan = planCopies(targets.map((t) => t.mutates), incomingShared);
    return new FanOutConsumer(targets.map((t, i) => ({ consumer: entryOf(t), clone: plan.clone[i] })));
  };

  // Processors, per pipeline, last to first, so each is created with its `next`.
  const processors = new Map<string, ComponentNode[]>();
  const firstProcessor = new Map<string, ComponentNode>();
  for (const [name, p] of pipelines) {
    // Input sharedness of each processor, forward.
    const shared: boolean[] = [];
    let incoming = firstShared.get(name) ?? false;
    for (const id of p.processors) {
      shared.push(incoming);
      incoming = mutates('processor', id, name) ? false : incoming;
    }
    const nodes: ComponentNode[] = [];
    for (let i = p.processors.length - 1; i >= 0; i--) {
      const id = p.processors[i];
      const factory = factoryOf.get(`processor:${id}`) as ProcessorFactory;
      const outShared = factory.capabilities.mutatesData ? false : shared[i];
      const targets: Target[] =
        i + 1 < p.processors.length
          ? [{ kind: 'processor', id: p.processors[i + 1], pipeline: name, mutates: mutates('processor', p.processors[i + 1], name) }]
          : p.exporters.map((e) => ({ kind: 'exporter', id: e, pipeline: name, mutates: mutates('exporter', e, name) }));
      const downstream = fanOut(targets, outShared, (t) => (t.kind === 'processor' ? nodes[0].entry! : exporters.get(t.id)!.entry!));
      const { settings, node } = nodeFor('processor', id, name);
      const next = new EmittingConsumer(downstream, node.telemetry);
      const component = create('processor', id, () => factory.create(settings, configOf('processor', id, factory), next));
      nodes.unshift({ ...node, component, entry: new InstrumentedConsumer(component, node.telemetry, node.logger) });
    }
    processors.set(name, nodes);
    if (nodes.length) firstProcessor.set(name, nodes[0]);
  }

  // Receivers last: their `next` fans out to every pipeline that lists them.
  const receivers: ComponentNode[] = [];
  for (const id of receiverIds) {
    const factory = factoryOf.get(`receiver:${id}`) as ReceiverFactory;
    const downstream = fanOut(receiverTargets.get(id)!, false, (t) =>
      t.kind === 'processor' ? firstProcessor.get(t.pipeline)!.entry! : exporters.get(t.id)!.entry!,
    );
    const { settings, node } = nodeFor('receiver', id);
    const next = new EmittingConsumer(downstream, node.telemetry);
    const component = create('receiver', id, () => factory.create(settings, configOf('receiver', id, factory), next));
    receivers.push({ ...node, component });
  }

  return {
    receivers,
    processors,
    exporters: [...exporters.values()],
    componentIds: { receiver: receiverIds, processor: processorIds, exporter: exporterIds },
  };
}
