import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAccount } from './memory-account.ts';
import { Reassembler, type ChunkOrigin } from './reassembler.ts';

function harness(maxPending = 1 << 20) {
  const log: string[] = [];
  const memory = new MemoryAccount(1 << 20);
  const r = new Reassembler<string>(
    {
      data: (bytes, origin) => log.push(`${origin.event}:${Buffer.from(bytes).toString()}`),
      gap: (lost, origin) => log.push(`gap ${lost} before ${origin.event}`),
    },
    memory,
    maxPending,
  );
  const push = (name: string, offset: number, text: string, lost = 0) =>
    r.push(offset, Buffer.from(text), { event: name, ts: '' } as ChunkOrigin<string>, lost);
  return { r, log, memory, push };
}

describe('Reassembler', () => {
  it('puts chunks of a batch back in offset order', () => {
    const { r, log, memory, push } = harness();
    push('c', 6, 'ghi');
    push('b', 3, 'def');
    assert.deepEqual(log, []);
    assert.equal(memory.held, 6);
    push('a', 0, 'abc');
    r.flush();
    assert.deepEqual(log, ['a:abc', 'b:def', 'c:ghi']);
    assert.equal(memory.held, 0);
  });

  it('drops bytes seen already (retransmitted or duplicated chunks)', () => {
    const { log, push } = harness();
    push('a', 0, 'abcd');
    push('b', 2, 'cdef');
    push('c', 0, 'ab');
    assert.deepEqual(log, ['a:abcd', 'b:ef']);
  });

  it('turns a hole still open at the end of the batch into a gap', () => {
    const { r, log, push } = harness();
    push('a', 0, 'ab');
    push('c', 10, 'xy');
    r.flush();
    assert.deepEqual(log, ['a:ab', 'gap 8 before c', 'c:xy']);
    assert.equal(r.nextOffset, 12);
  });

  it('takes bytes_lost when the offsets do not show the loss', () => {
    const { log, push } = harness();
    push('a', 0, 'ab');
    push('b', 2, 'cd', 5);
    assert.deepEqual(log, ['a:ab', 'gap 5 before b', 'b:cd']);
  });

  it('gives up on a hole when too much waits behind it', () => {
    const { log, memory, push } = harness(4);
    push('b', 5, 'xyz');
    push('c', 8, 'uvw'); // 6 bytes would wait: over the bound of 4
    assert.deepEqual(log, ['gap 5 before b', 'b:xyz', 'c:uvw']);
    assert.equal(memory.held, 0);
  });
});
