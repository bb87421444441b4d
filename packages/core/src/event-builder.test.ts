import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTime, isValid } from 'ulid';
import { formatTimestamp, newEventId, parseTimestamp } from './event-builder.ts';

describe('newEventId', () => {
  it('makes valid ULIDs whose time is now (checked with the ulid package)', () => {
    const before = Date.now();
    const id = newEventId();
    const after = Date.now();
    assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(isValid(id));
    const t = decodeTime(id);
    assert.ok(t >= before && t <= after, `${t} in [${before}, ${after}]`);
  });

  it('is strictly increasing and unique over 200,000 ids made as fast as possible', () => {
    let prev = newEventId();
    const seen = new Set([prev]);
    for (let i = 0; i < 200_000; i++) {
      const id = newEventId();
      assert.ok(id > prev, `${id} after ${prev}`);
      seen.add(id);
      prev = id;
    }
    assert.equal(seen.size, 200_001);
  });
});

describe('timestamps', () => {
  it('round-trip nanoseconds, across second boundaries and the cached second', () => {
    for (const ns of [0n, 1_750_000_000_999_999_999n, 1_750_000_001_000_000_000n, 1_750_000_001_000_000_001n, 1_750_000_000_123_456_789n]) {
      assert.equal(parseTimestamp(formatTimestamp(ns)), ns);
    }
    assert.equal(parseTimestamp('2026-11-24T22:05:11.5+01:00'), parseTimestamp('2026-11-24T21:05:11.500000000Z'));
    assert.throws(() => parseTimestamp('yesterday'), /not an RFC 3339 timestamp/);
  });
});
