// The receiver's `processes` filter, written into a BPF object's filter maps (bpf/oisp_common.bpf.h
// `traced`): whose payloads are captured is decided in the kernel, before any byte is copied.
import type { EbpfReceiverConfig } from '../config.ts';
import type { NativeCapture } from './native.ts';

const FILTER_PIDS = 1;
const FILTER_COMMS = 2;
const FILTER_UIDS = 4;
const FILTER_EXCLUDE_COMMS = 8;
const COMM_INCLUDE = 1;
const COMM_EXCLUDE = 2;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** A command name as the kernel keeps it: 16 bytes, NUL-padded. */
function comm(name: string): Buffer {
  const b = Buffer.alloc(16);
  b.write(name, 'utf8');
  return b;
}

export function applyProcessFilter(capture: NativeCapture, filter: EbpfReceiverConfig['processes']): void {
  const one = Buffer.from([1]);
  for (const pid of filter.pids) capture.updateMap('filter_pids', u32(pid), one);
  for (const uid of filter.uids) capture.updateMap('filter_uids', u32(uid), one);
  for (const name of filter.comms) capture.updateMap('filter_comms', comm(name), Buffer.from([COMM_INCLUDE]));
  for (const name of filter.exclude_comms) capture.updateMap('filter_comms', comm(name), Buffer.from([COMM_EXCLUDE]));
  const active =
    (filter.pids.length ? FILTER_PIDS : 0) | (filter.comms.length ? FILTER_COMMS : 0) | (filter.uids.length ? FILTER_UIDS : 0) | (filter.exclude_comms.length ? FILTER_EXCLUDE_COMMS : 0);
  capture.updateMap('filter_active', u32(0), u32(active));
}
