// Plaintext socket capture cost on everything else (issue 11): 1 GiB of loopback socket I/O in
// 1 KiB writes on a port that is NOT captured, with and without the collector (ebpf receiver with
// its default plain ports): the syscall hooks must cost the rest of the machine almost nothing.
// The floor: the same workload under no-op programs on the same hooks (tp_btf/sys_enter and
// sys_exit, compiled here), which is what any syscall-tracepoint capture pays before doing anything.
// Prints wall and CPU seconds each way and the ratios. Needs root. Usage: node bench/plain-sockets.ts [--mib N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openNoopPrograms } from './noop-programs.ts';

import { callbackExporter } from '@oisp/core/testing';
import { startPipeline } from '../packages/collector/src/start-pipeline.ts';

const arg = process.argv.indexOf('--mib');
const MIB = arg > 0 ? Number(process.argv[arg + 1]) : 1024;
// A C-speed client and server (python's socket calls are thin over the syscalls): 1 KiB sends.
const workload = `import socket, threading, time, resource
N = ${MIB} * 1024
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
def sink():
    c, _ = srv.accept()
    while c.recv(65536): pass
t = threading.Thread(target=sink); t.start()
s = socket.create_connection(srv.getsockname())
buf = b'x' * 1024
t0 = time.perf_counter()
for _ in range(N): s.send(buf)
s.close(); t.join()
r = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - t0, r.ru_utime + r.ru_stime)`;

function run(): { wall: number; cpu: number } {
  const r = spawnSync('/usr/bin/python3', ['-c', workload], { encoding: 'utf8' });
  const [wall, cpu] = r.stdout.trim().split(' ').map(Number);
  return { wall, cpu };
}

const best = () => [0, 1, 2].map(run).sort((a, b) => a.wall - b.wall)[0];
const without = best();
let events = 0;
const dir = mkdtempSync(`${tmpdir()}/oisp-bench-plain-`);

// The floor: programs that return at once, on the hooks the collector uses.
const noop = openNoopPrograms(dir, `SEC("tp_btf/sys_enter") int BPF_PROG(noop_enter, struct pt_regs *regs, long nr) { return 0; }
SEC("tp_btf/sys_exit") int BPF_PROG(noop_exit, struct pt_regs *regs, long ret) { return 0; }`);
noop.attachAll();
const floor = best();
noop.close();

const yaml = `receivers: { ebpf: {} }
exporters: { count: {} }
service: { pipelines: { p: { receivers: [ebpf], exporters: [count] } } }
`;
const service = await startPipeline({ yaml, dir, extra: [callbackExporter('count', (b) => (events += b.length))], version: 'bench' });
const withCollector = best();
await service.shutdown();
console.log(`${MIB} MiB in 1 KiB sends over loopback, port not captured`);
console.log(`without collector  ${without.wall.toFixed(2)} s wall  ${without.cpu.toFixed(2)} s cpu`);
console.log(`no-op hooks        ${floor.wall.toFixed(2)} s wall  ${floor.cpu.toFixed(2)} s cpu   (the floor of syscall tracepoints)`);
console.log(`with collector     ${withCollector.wall.toFixed(2)} s wall  ${withCollector.cpu.toFixed(2)} s cpu`);
console.log(`ratio to none: ${(withCollector.wall / without.wall).toFixed(3)}x wall, ${(withCollector.cpu / without.cpu).toFixed(3)}x cpu (goal: under 1.02x)`);
console.log(`floor to none: ${(floor.wall / without.wall).toFixed(3)}x wall, ${(floor.cpu / without.cpu).toFixed(3)}x cpu`);
console.log(`ratio to the floor: ${(withCollector.wall / floor.wall).toFixed(3)}x wall, ${(withCollector.cpu / floor.cpu).toFixed(3)}x cpu; events seen ${events}`);
