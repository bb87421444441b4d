// Third-party components listed under `plugins:` — a path (from the config file's folder) or a
// package name resolved from that folder. Each default-exports a factory or an array of them.
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Factory } from './component.ts';
import { ConfigError } from './config/errors.ts';
import type { Registry } from './registry.ts';

function resolveSpec(spec: string, baseDir: string): string {
  if (spec.startsWith('.') || isAbsolute(spec)) return pathToFileURL(resolve(baseDir, spec)).href;
  const require = createRequire(resolve(baseDir, 'noop.js'));
  return pathToFileURL(require.resolve(spec)).href;
}

export async function loadPlugins(registry: Registry, specs: readonly string[], baseDir: string): Promise<void> {
  const errors: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const where = `plugins::${i}`;
    let mod: { default?: unknown };
    try {
      mod = await import(resolveSpec(spec, baseDir));
    } catch (err) {
      errors.push(`${where}: cannot load plugin "${spec}" from ${baseDir}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    const exported = mod.default;
    if (exported === undefined) {
      errors.push(`${where}: plugin "${spec}" has no default export (export default a factory or an array of factories)`);
      continue;
    }
    for (const factory of (Array.isArray(exported) ? exported : [exported]) as Factory[]) {
      try {
        registry.add(factory, spec);
      } catch (err) {
        errors.push(`${where}: ${(err as Error).message}`);
      }
    }
  }
  if (errors.length > 0) throw new ConfigError(errors);
}
