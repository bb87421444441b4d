import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCopies } from './copy-plan.ts';

test('planCopies follows the Collector fanout rule', () => {
  const cases: Array<[boolean[], boolean, boolean[], boolean[]]> = [
    // mutates, incomingShared -> clone, shared
    [[false], false, [false], [false]],
    [[true], false, [false], [false]], // the only consumer may mutate the original
    [[true], true, [true], [false]], // ...unless someone else holds it
    [[false, false], false, [false, false], [true, true]], // read-only consumers share
    [[true, true], false, [true, false], [false, false]], // the last mutating one takes the original
    [[true, false], false, [true, false], [false, false]], // never share between mutating and read-only
    [[false, true, false], false, [false, true, false], [true, false, true]],
    [[false], true, [false], [true]], // a shared batch stays shared downstream of a read-only consumer
  ];
  for (const [mutates, incomingShared, clone, shared] of cases) {
    assert.deepEqual(planCopies(mutates, incomingShared), { clone, shared }, JSON.stringify({ mutates, incomingShared }));
  }
});
