// The floor of a capture bench: BPF programs that return at once, on the hooks the receiver uses.
// Built here by clang against the receiver's own header (for its ring map) and loaded through the
// receiver's addon, so the floor needs neither tracefs nor bpftrace.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openCapture, type NativeCapture } from '../packages/receiver-ebpf/src/internal/native.ts';

/** Loads `programs` (C: SEC(...) functions that return 0), built in `dir`; attach them yourself. */
export function openNoopPrograms(dir: string, programs: string): NativeCapture {
  const bpf = resolve(import.meta.dirname, '../bpf');
  writeFileSync(join(dir, 'noop.bpf.c'), `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "oisp_common.bpf.h"
char LICENSE[] SEC("license") = "GPL";
${programs}
`);
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', `-I${bpf}/.output`, `-I${bpf}`, '-c', join(dir, 'noop.bpf.c'), '-o', join(dir, 'noop.bpf.o')]);
  return openCapture(1 << 16, join(dir, 'noop.bpf.o'));
}
