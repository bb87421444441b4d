import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_TYPES } from '../event.ts';
import { exampleEvent } from '../schema/examples.ts';
import { cloneBatch } from './clone-batch.ts';

test('cloneBatch: equal, and nothing shared with the original', () => {
  const batch = EVENT_TYPES.map((t) => exampleEvent(t));
  batch[0].attrs = { when: new Date(0), seen: new Map([['a', 1]]), bytes: Buffer.from('hi'), nothing: null, list: [[1], { x: undefined }] };
  const copy = cloneBatch(batch);
  assert.deepEqual(copy, structuredClone(batch));
  assert.notEqual(copy, batch);
  const shared: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (typeof a !== 'object' || a === null) return;
    if (a === b) shared.push(path);
    for (const k of Object.keys(a)) walk((a as any)[k], (b as any)[k], `${path}.${k}`);
  };
  batch.forEach((e, i) => walk(copy[i], e, `[${i}]`));
  assert.deepEqual(shared, []);
  const bytes = batch[0].data.data as Uint8Array;
  (copy[0].data.data as Uint8Array)[0] = 0;
  assert.notEqual(bytes[0], 0, 'bytes are copied, not shared');
  assert.ok(copy[0].data.data instanceof Uint8Array);
});
