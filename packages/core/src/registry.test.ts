import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { ConfigError } from './config/errors.ts';
import { testFactories, tagProcessor } from './config/testdata/components.ts';
import { loadPlugins } from './plugins.ts';
import { Registry } from './registry.ts';

describe('Registry', () => {
  it('refuses two factories of one kind and type, naming both packages', () => {
    const registry = new Registry(testFactories, 'pkg-a');
    assert.throws(() => registry.add(tagProcessor, 'pkg-b'), { message: 'two processors have type "tag": from pkg-a and from pkg-b' });
  });

  it('refuses what is not a factory, saying why', () => {
    const registry = new Registry();
    assert.throws(() => registry.add({ ...tagProcessor, type: 'Bad-Type' }), /type "Bad-Type" must be lower_snake_case/);
    assert.throws(() => registry.add({ type: 'x' } as never), /kind must be one of receiver, processor, exporter/);
  });

  it('lists receivers, processors, exporters in that order', () => {
    assert.deepEqual(new Registry(testFactories).list().map((f) => `${f.kind}/${f.type}`), ['receiver/counter', 'processor/tag', 'exporter/jsonl']);
  });
});

describe('loadPlugins', () => {
  const core = pathToFileURL(join(import.meta.dirname, 'index.ts')).href;
  const dir = mkdtempSync(join(tmpdir(), 'oisp-plugins-'));
  writeFileSync(
    join(dir, 'upper.mjs'),
    `import { defineProcessor } from ${JSON.stringify(core)};
export default defineProcessor({ type: 'upper', stability: 'alpha', capabilities: { mutatesData: false },
  configSchema: { type: 'object' }, createDefaultConfig: () => ({}),
  create: (s, c, next) => ({ start: async () => {}, shutdown: async () => {}, consume: (b) => next.consume(b) }) });\n`,
  );
  writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;\n');

  it('loads a plugin by path relative to the config folder and records where it came from', async () => {
    const registry = new Registry();
    await loadPlugins(registry, ['./upper.mjs'], dir);
    assert.equal(registry.get('processor', 'upper')?.package, './upper.mjs');
  });

  it('names plugins::N for a missing file, a missing default export and a duplicate', async () => {
    const registry = new Registry();
    await assert.rejects(loadPlugins(registry, ['./nope.mjs', './empty.mjs', './upper.mjs', './upper.mjs'], dir), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.errors.length, 3);
      assert.match(err.errors[0], /^plugins::0: cannot load plugin "\.\/nope\.mjs"/);
      assert.match(err.errors[1], /^plugins::1: plugin "\.\/empty\.mjs" has no default export/);
      assert.equal(err.errors[2], 'plugins::3: two processors have type "upper": from ./upper.mjs and from ./upper.mjs');
      return true;
    });
  });
});
