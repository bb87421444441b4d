// TLS capture cost (issue 3): a node client makes N HTTPS requests (1 KiB up, 16 KiB down,
// keep-alive) to a local server, three ways in one run:
//   none       no probes
//   floor      no-op uprobes on the same symbols (bpftrace), the least any uprobe sensor can cost
//   collector  the ebpf receiver -> http processor through the real Service, events counted
// Prints the client's wall and CPU seconds, the collector's own CPU seconds, and the ratios of added
// time against the floor's. Needs root. Usage: node bench/tls.ts [--requests N]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger, loadConfig, Registry, Service } from '@oisp/core';
import { callbackExporter } from '@oisp/core/testing';
import { builtinFactories } from '../packages/collector/src/components.ts';
import { makeTestCert } from '@oisp/core/testing';

const arg = process.argv.indexOf('--requests');
const REQUESTS = arg > 0 ? Number(process.argv[arg + 1]) : 20_000;
const dir = mkdtempSync(join(tmpdir(), 'oisp-bench-tls-'));
const { cert, key } = makeTestCert(dir);

const serverScript = `const https = require('node:https'); const fs = require('node:fs');
const body = Buffer.alloc(16384, 'r');
const s = https.createServer({ cert: fs.readFileSync(process.argv[1]), key: fs.readFileSync(process.argv[2]) }, (req, res) => {
  req.resume(); req.on('end', () => { res.writeHead(200, { 'content-length': body.length }); res.end(body); });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
const clientScript = `const https = require('node:https'); const fs = require('node:fs');
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: fs.readFileSync(process.argv[2]) });
const body = Buffer.alloc(1024, 'q'); const n = Number(process.argv[3]);
const t0 = process.hrtime.bigint();
const one = () => new Promise((ok, fail) => { const r = https.request(process.argv[1], { method: 'POST', agent, headers: { 'content-length': body.length } }, (res) => { res.resume(); res.on('end', ok); }); r.on('error', fail); r.end(body); });
(async () => { for (let i = 0; i < n; i++) await one();
  const u = process.resourceUsage();
  console.log(JSON.stringify({ wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6 })); process.exit(0); })();`;

const server = spawn(process.execPath, ['-e', serverScript, cert, key], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = Number((await once(createInterface({ input: server.stdout! }), 'line'))[0]);
const url = `https://localhost:${port}/v1/chat/completions`;

async function client(): Promise<{ wall: number; cpu: number }> {
  const c = spawn(process.execPath, ['-e', clientScript, url, cert, String(REQUESTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: c.stdout! }), 'line');
  await once(c, 'exit');
  return JSON.parse(line);
}

const results: Record<string, { wall: number; cpu: number; collectorCpu?: number; note?: string }> = {};
results.none = await client();

const bpftrace = ['/usr/bin/bpftrace', '/usr/sbin/bpftrace'].find(existsSync);
if (bpftrace) {
  const libssl = '/usr/lib/x86_64-linux-gnu/libssl.so.3';
  const node = process.execPath;
  const probes = [node, libssl].flatMap((f) => ['SSL_write', 'SSL_read'].flatMap((s) => [`uprobe:${f}:${s}`, `uretprobe:${f}:${s}`]));
  const prog = join(dir, 'noop.bt');
  writeFileSync(prog, `${probes.join(',\n')} { }\n`);
  const bt = spawn(bpftrace, [prog], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(createInterface({ input: bt.stdout! }), 'line'); // "Attaching N probes..."
  await new Promise((r) => setTimeout(r, 1000));
  results.floor = await client();
  bt.kill('SIGINT');
  await once(bt, 'exit');
} else {
  results.floor = { wall: NaN, cpu: NaN, note: 'bpftrace not installed (apt-get install bpftrace)' };
}

let events = 0;
const registry = new Registry(builtinFactories());
// An exporter that only counts: the bench measures capture and decoding, not disk writes.
registry.add(callbackExporter('count', (batch) => void (events += batch.length)));
const yaml = `receivers: { ebpf: {} }\nprocessors: { http: {} }\nexporters: { count: {} }\nservice: { pipelines: { p: { receivers: [ebpf], processors: [http], exporters: [count] } } }\n`;
const { config } = await loadConfig({ files: [], defaultConfig: { yaml, dir }, registry });
const service = new Service({ config, factories: registry, logger: createLogger({ level: 'warn' }), buildInfo: { command: 'bench', version: '0' }, configDir: dir });
await service.start();
const cpu0 = process.cpuUsage();
results.collector = await client();
await new Promise((r) => setTimeout(r, 500));
const cpu1 = process.cpuUsage(cpu0);
await service.shutdown();
results.collector.collectorCpu = (cpu1.user + cpu1.system) / 1e6;
server.kill();

console.log(`tls: ${REQUESTS} HTTPS requests, 1 KiB up / 16 KiB down, keep-alive, node ${process.version}`);
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(10)} client wall ${r.wall.toFixed(2)} s  client CPU ${r.cpu.toFixed(2)} s${r.collectorCpu !== undefined ? `  collector CPU ${r.collectorCpu.toFixed(2)} s` : ''}${r.note ? `  (${r.note})` : ''}`);
}
const added = (r: { wall: number }) => r.wall - results.none.wall;
console.log(`added wall time: floor +${added(results.floor).toFixed(2)} s, collector +${added(results.collector).toFixed(2)} s, ratio collector/floor ${(added(results.collector) / added(results.floor)).toFixed(2)}x`);
console.log(`http events exported: ${events} (expected ${REQUESTS * 2}: a request and a response per call)`);
