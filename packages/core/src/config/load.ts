// Loading a configuration (DESIGN.md "Config and CLI"): parse keeping lines -> merge files and
// --set in order -> expand ${env:...} in parsed scalars -> plugins -> defaults -> ajv -> validate()
// -> graph checks. Every problem is collected, each starting with its config path and line.
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYamlScalar } from 'yaml';
import type { ComponentKind, Factory } from '../component.ts';
import { loadPlugins } from '../plugins.ts';
import type { Registry } from '../registry.ts';
import { expandEnv, type Env } from './env.ts';
import { ConfigError, joinPath } from './errors.ts';
import { deepMerge, isPlainObject } from './merge.ts';
import { parseConfigText, readConfigFile, type ConfigSource, type Origin } from './source.ts';
import { topLevelSchema } from './top-level-schema.ts';
import { componentType, type CollectorConfig } from './types.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface LoadOptions {
  /** Config files, merged in order. When empty, `defaultConfig` is used. */
  files: readonly string[];
  /** `a::b::c=value` overrides, applied after the files in order. */
  sets?: readonly string[];
  defaultConfig?: { yaml: string; dir: string };
  registry: Registry;
  env?: Env;
}

export interface LoadedConfig {
  config: CollectorConfig;
  /** Folder of the first config file: relative paths (plugins, component paths) resolve from it. */
  configDir: string;
}

export const SECTIONS: Record<'receivers' | 'processors' | 'exporters', ComponentKind> = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
};
const COMPONENT_ID = /^[a-z][a-z0-9_]*(\/[^\s/:]+)?$/;

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  return ajv;
}

/** ajv's instancePath (`/a/b~1c`) -> path segments (`a`, `b/c`). */
function pointerSegments(pointer: string): string[] {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function describeAjvError(error: ErrorObject): { segments: string[]; message: string } {
  const segments = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return { segments: [...segments, String(params.additionalProperty)], message: 'unknown field' };
  }
  if (error.keyword === 'required') return { segments: [...segments, String(params.missingProperty)], message: 'required field is missing' };
  if (error.keyword === 'enum') return { segments, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
  return { segments, message: error.message ?? error.keyword };
}

function parseSet(set: string): ConfigSource {
  const eq = set.indexOf('=');
  if (eq <= 0) throw new ConfigError([`--set ${set}: expected key::path=value`]);
  const path = set.slice(0, eq).split('::');
  if (path.some((p) => p === '')) throw new ConfigError([`--set ${set}: empty segment in "${set.slice(0, eq)}"`]);
  let value: unknown;
  try {
    value = parseYamlScalar(set.slice(eq + 1));
  } catch {
    value = set.slice(eq + 1);
  }
  for (const key of [...path].reverse()) value = { [key]: value };
  const origins = new Map<string, Origin>();
  for (let i = 1; i <= path.length; i++) origins.set(joinPath(path.slice(0, i)), { label: `--set ${set}` });
  return { value: value as Record<string, unknown>, origins };
}

export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const files = options.files.map((f) => resolve(f));
  let sources: ConfigSource[];
  if (files.length > 0) sources = files.map(readConfigFile);
  else if (options.defaultConfig) sources = [parseConfigText(options.defaultConfig.yaml, 'default config')];
  else throw new ConfigError(['no config: give --config FILE']);
  const configDir = files.length > 0 ? dirname(files[0]) : (options.defaultConfig?.dir ?? process.cwd());
  for (const set of options.sets ?? []) sources.push(parseSet(set));

  const origins = new Map<string, Origin>();
  let merged: unknown = {};
  for (const source of sources) {
    merged = deepMerge(merged, source.value);
    for (const [k, v] of source.origins) origins.set(k, v);
  }
  const singleFile = files.length <= 1;
  const at = (segments: (string | number)[]): string => {
    for (let n = segments.length; n >= 0; n--) {
      const o = origins.get(joinPath(segments.slice(0, n)));
      if (!o) continue;
      if (o.line === undefined) return ` (${o.label})`;
      return singleFile ? ` (line ${o.line})` : ` (${o.label} line ${o.line})`;
    }
    return '';
  };
  const errors: string[] = [];
  const fail = (segments: (string | number)[], message: string): void => {
    errors.push(`${joinPath(segments)}: ${message}${at(segments)}`);
  };

  const envErrors: string[] = [];
  const raw = expandEnv(merged, env, [], envErrors) as Record<string, unknown>;
  for (const e of envErrors) {
    const path = e.slice(0, e.indexOf(': '));
    errors.push(`${e}${at(path.split('::'))}`);
  }
  if (errors.length > 0) throw new ConfigError(errors);

  const ajv = newAjv();
  const validateTop = ajv.compile(topLevelSchema);
  if (!validateTop(raw)) {
    for (const err of validateTop.errors ?? []) {
      const { segments, message } = describeAjvError(err);
      fail(segments, message);
    }
    throw new ConfigError(errors);
  }
  for (const section of Object.keys(SECTIONS)) raw[section] ??= {};
  const config = raw as unknown as CollectorConfig;

  await loadPlugins(options.registry, config.plugins, configDir);

  const used: Record<ComponentKind, Set<string>> = { receiver: new Set(), processor: new Set(), exporter: new Set() };
  for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
    const base = ['service', 'pipelines', name];
    if (pipeline.receivers.length === 0) fail([...base, 'receivers'], 'a pipeline needs at least one receiver');
    if (pipeline.exporters.length === 0) fail([...base, 'exporters'], 'a pipeline needs at least one exporter');
    for (const [section, kind] of Object.entries(SECTIONS) as [keyof typeof SECTIONS, ComponentKind][]) {
      const seen = new Set<string>();
      pipeline[section].forEach((id, i) => {
        if (seen.has(id)) fail([...base, section, i], `${kind} "${id}" is listed twice in this pipeline`);
        seen.add(id);
        used[kind].add(id);
        if (!(id in config[section])) fail([...base, section, i], `references ${kind} "${id}" which is not configured`);
      });
    }
  }

  const compiled = new Map<Factory, ValidateFunction>();
  for (const [section, kind] of Object.entries(SECTIONS) as [keyof typeof SECTIONS, ComponentKind][]) {
    const components = config[section] as Record<string, unknown>;
    for (const [id, userConfig] of Object.entries(components)) {
      const path = [section, id];
      if (!COMPONENT_ID.test(id)) {
        fail(path, 'a component id is "type" or "type/name", with type in lower_snake_case');
        continue;
      }
      const type = componentType(id);
      const factory = options.registry.get(kind, type);
      if (!factory) {
        const known = options.registry.types(kind);
        fail(path, `unknown ${kind} type "${type}"; known: ${known.length ? known.join(', ') : 'none'} (add a plugin under plugins: for others)`);
        continue;
      }
      if (!used[kind].has(id)) fail(path, `${kind} "${id}" is configured but used by no pipeline`);
      if (userConfig !== null && userConfig !== undefined && !isPlainObject(userConfig)) {
        fail(path, 'must be a map (or empty for defaults)');
        continue;
      }
      const value = deepMerge(factory.createDefaultConfig(), userConfig ?? {});
      let validate = compiled.get(factory);
      if (!validate) {
        try {
          validate = ajv.compile(factory.configSchema);
        } catch (err) {
          fail(path, `the ${kind} "${type}" has an invalid configSchema: ${(err as Error).message}`);
          continue;
        }
        compiled.set(factory, validate);
      }
      if (!validate(value)) {
        for (const err of validate.errors ?? []) {
          const { segments, message } = describeAjvError(err);
          fail([...path, ...segments], message);
        }
        continue;
      }
      try {
        factory.validate?.(value);
      } catch (err) {
        const text = (err as Error).message;
        const field = /^([\w.:/-]+): /.exec(text);
        if (field) fail([...path, ...field[1].split(/::|\./)], text.slice(field[0].length));
        else fail(path, text);
        continue;
      }
      components[id] = value;
    }
  }
  if (errors.length > 0) throw new ConfigError(errors);
  return { config, configDir };
}
