// Cost against figures computed by hand from the table's prices (USD per million tokens).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriceTable } from './cost.ts';

const table = new PriceTable();
const close = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-12, `${a} != ${b}`);

describe('cost', () => {
  it('OpenAI gpt-4o: cached input at its own rate ($2.50 / $1.25 cached / $10 out per Mtok)', () => {
    const c = table.cost('openai', 'gpt-4o-2024-08-06', { prompt_tokens: 82, completion_tokens: 17, cached_tokens: 64 })!;
    close(c.input_usd, (18 * 2.5 + 64 * 1.25) / 1e6); // 0.000125
    close(c.output_usd, (17 * 10) / 1e6); // 0.00017
    close(c.total_usd, 0.000295);
    assert.match(c.source, /^@pydantic\/genai-prices \d+\.\d+\.\d+: openai\/gpt-4o$/);
  });

  it('Anthropic Sonnet 4: cache reads and cache writes priced apart ($3 / $0.30 read / $3.75 write / $15 out)', () => {
    const read = table.cost('anthropic', 'claude-sonnet-4-20250514', { prompt_tokens: 2520, completion_tokens: 89, cached_tokens: 2048, cache_creation_tokens: 0 })!;
    close(read.input_usd, (472 * 3 + 2048 * 0.3) / 1e6); // 0.0020304
    close(read.output_usd, (89 * 15) / 1e6);
    const write = table.cost('anthropic', 'claude-sonnet-4-20250514', { prompt_tokens: 1544, completion_tokens: 14, cache_creation_tokens: 1024 })!;
    close(write.input_usd, (520 * 3 + 1024 * 3.75) / 1e6); // 0.0054
  });

  it('a model priced again comes from the model that matched the first time: the same figures and source', () => {
    const fresh = new PriceTable();
    const usage = { prompt_tokens: 1200, completion_tokens: 300, cached_tokens: 1024 };
    const first = fresh.cost('openai', 'gpt-4o-mini-2024-07-18', usage);
    assert.ok(first, 'priced');
    assert.deepEqual(fresh.cost('openai', 'gpt-4o-mini-2024-07-18', usage), first);
    assert.deepEqual(fresh.cost('openai', 'gpt-4o-mini-2024-07-18', { prompt_tokens: 10, completion_tokens: 1 }), table.cost('openai', 'gpt-4o-mini-2024-07-18', { prompt_tokens: 10, completion_tokens: 1 }));
  });

  it('an unknown model, or no usage, has no cost (absent, not zero)', () => {
    assert.equal(table.cost('openai', 'gpt-nonexistent-9', { prompt_tokens: 10, completion_tokens: 1 }), undefined);
    assert.equal(table.cost('openai', 'gpt-4o', undefined), undefined);
  });

  it('a price_file replaces the bundled table', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'oisp-prices-')), 'prices.json');
    writeFileSync(file, JSON.stringify([{ id: 'openai', name: 'OpenAI', api_pattern: 'https://api\\.openai\\.com', models: [{ id: 'house-model', match: { equals: 'house-model' }, prices: { input_mtok: 1, output_mtok: 2 } }] }]));
    const custom = new PriceTable(file);
    const c = custom.cost('openai', 'house-model', { prompt_tokens: 1_000_000, completion_tokens: 500_000 })!;
    assert.deepEqual([c.input_usd, c.output_usd, c.total_usd], [1, 1, 2]);
    assert.equal(custom.cost('openai', 'gpt-4o', { prompt_tokens: 1, completion_tokens: 1 }), undefined, 'only what the file prices');
  });
});
