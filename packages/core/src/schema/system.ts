// process.*, file.* and network.* (events/system.ts, DESIGN.md appendix).
import { bool, closed, count, enumOf, int, nonNegative, port, str, strings, u64 } from './common.ts';

export const processExecSchema = closed(
  { exe: str, args: strings, cwd: str, ppid: count, uid: count, cgroup_id: u64, service_name: str },
  ['exe', 'args', 'ppid', 'uid'],
);

export const processExitSchema = closed({ exit_code: int, signal: count, runtime_ms: nonNegative }, ['exit_code']);

export const fileOpenSchema = closed({ path: str, fd: int, flags: int, result: int }, ['path', 'fd', 'flags', 'result']);

export const fileIoSchema = closed({ path: str, fd: int, bytes: count, ops: count }, ['path', 'fd', 'bytes', 'ops']);

export const networkConnectSchema = closed(
  {
    fd: int,
    family: enumOf('inet', 'inet6', 'unix'),
    dest: closed({ ip: str, port, domain: str }, ['ip', 'port']),
    src: closed({ ip: str, port }, ['ip', 'port']),
    success: bool,
    pending: bool,
    error: str,
    duration_ms: nonNegative,
    protocol: enumOf('tcp', 'udp'),
    first_datagram: bool,
  },
  ['fd', 'family', 'dest', 'success'],
);
