// The plugin contract, on the real receiver (start attaches real probes, so it runs as root).
import { describe } from 'node:test';
import { runConformance } from '@oisp/core/testing';
import { preflight } from '../src/ebpf-receiver.ts';
import factory from '../src/index.ts';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

describe('ebpf receiver conformance', { skip }, () => {
  runConformance(factory, { ownedEventTypes: ['capture.*'] });
});
