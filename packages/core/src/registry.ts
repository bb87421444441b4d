// The components a collector knows: the distribution's built-ins plus plugins loaded from config.
import type { ComponentKind, Factory } from './component.ts';
import type { FactoryLookup } from './config/types.ts';

const TYPE = /^[a-z][a-z0-9_]*$/;
const KINDS: ComponentKind[] = ['receiver', 'processor', 'exporter'];
const STABILITIES = ['development', 'alpha', 'beta', 'stable', 'deprecated'];

/** Why `candidate` is not a factory, or undefined when it is one. */
export function factoryProblem(candidate: unknown): string | undefined {
  if (candidate === null || typeof candidate !== 'object') return 'not an object (expected a factory from defineReceiver/defineProcessor/defineExporter)';
  const f = candidate as Record<string, unknown>;
  if (!KINDS.includes(f.kind as ComponentKind)) return `kind must be one of ${KINDS.join(', ')} (use defineReceiver/defineProcessor/defineExporter)`;
  if (typeof f.type !== 'string' || !TYPE.test(f.type)) return `type ${JSON.stringify(f.type)} must be lower_snake_case`;
  if (!STABILITIES.includes(f.stability as string)) return `${f.type}: stability must be one of ${STABILITIES.join(', ')}`;
  if (f.configSchema === null || typeof f.configSchema !== 'object') return `${f.type}: configSchema must be a JSON Schema object`;
  if (typeof f.createDefaultConfig !== 'function') return `${f.type}: createDefaultConfig must be a function`;
  if (typeof f.create !== 'function') return `${f.type}: create must be a function`;
  if (f.kind !== 'receiver' && (f.capabilities === null || typeof f.capabilities !== 'object')) return `${f.type}: capabilities must be declared`;
  return undefined;
}

export class Registry implements FactoryLookup {
  readonly #factories = new Map<string, Factory>();

  constructor(factories: Factory[] = [], pkg?: string) {
    for (const factory of factories) this.add(factory, pkg);
  }

  add(factory: Factory, pkg?: string): void {
    const problem = factoryProblem(factory);
    if (problem) throw new Error(`${pkg ? `${pkg}: ` : ''}invalid component factory: ${problem}`);
    const entry = pkg && !factory.package ? { ...factory, package: pkg } : factory;
    const key = `${factory.kind}/${factory.type}`;
    const existing = this.#factories.get(key);
    if (existing) {
      throw new Error(
        `two ${factory.kind}s have type "${factory.type}": from ${existing.package ?? 'unknown package'} and from ${entry.package ?? 'unknown package'}`,
      );
    }
    this.#factories.set(key, entry);
  }

  get(kind: ComponentKind, type: string): Factory | undefined {
    return this.#factories.get(`${kind}/${type}`);
  }

  list(): Factory[] {
    return [...this.#factories.values()].sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || a.type.localeCompare(b.type));
  }

  types(kind: ComponentKind): string[] {
    return this.list().filter((f) => f.kind === kind).map((f) => f.type);
  }
}
