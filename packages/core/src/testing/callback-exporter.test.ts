import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '../event-builder.ts';
import type { Batch } from '../event.ts';
import { callbackExporter } from './callback-exporter.ts';
import { runConformance } from './conformance.ts';
import { createTestSettings } from './test-settings.ts';

const seen: Batch[] = [];
const factory = callbackExporter('memory', (batch) => void seen.push(batch));

runConformance(factory);

describe('callbackExporter', () => {
  it('hands each batch to the function, as it is', async () => {
    seen.length = 0;
    const exporter = factory.create(createTestSettings('memory', 'exporter'), {});
    const batch = [createEvent('test.one', { n: 1 })];
    await exporter.consume(batch);
    assert.equal(seen.at(-1), batch);
  });
});
