// Parsing config files while remembering where every value came from (file and line), so an
// error found after merging, defaults and validation can still say "(line 12)".
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError, joinPath } from './errors.ts';

/** Where a value was written: a file (or `--set`) and a line. */
export interface Origin {
  label: string;
  line?: number;
}

export interface ConfigSource {
  /** Plain data as parsed. */
  value: Record<string, unknown>;
  /** `a::b::c` -> where it was written. */
  origins: Map<string, Origin>;
}

export function parseConfigText(text: string, label: string): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${label}: ${e.message.split('\n')[0]} (line ${lineCounter.linePos(e.pos[0]).line})`));
  }
  const value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError([`${label}: the top level must be a map`]);
  const origins = new Map<string, Origin>();
  const visit = (node: Node | null | undefined, path: (string | number)[]): void => {
    if (!node) return;
    if (node.range) origins.set(joinPath(path), { label, line: lineCounter.linePos(node.range[0]).line });
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const keyNode = pair.key as Node | null;
        if (keyNode?.range) origins.set(joinPath([...path, key]), { label, line: lineCounter.linePos(keyNode.range[0]).line });
        visit(pair.value as Node | null, [...path, key]);
        if (keyNode?.range) origins.set(joinPath([...path, key]), { label, line: lineCounter.linePos(keyNode.range[0]).line });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item as Node, [...path, i]));
    }
  };
  visit(doc.contents as Node, []);
  return { value: value as Record<string, unknown>, origins };
}

export function readConfigFile(file: string): ConfigSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read config file: ${(err as Error).message}`]);
  }
  return parseConfigText(text, file);
}
