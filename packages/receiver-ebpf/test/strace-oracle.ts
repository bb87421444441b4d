// Test support: what `strace -f` says a process tree did to files, processes and the network,
// in the shape our events take — the oracle the system events are compared with.
import { readFileSync } from 'node:fs';

export interface StraceFacts {
  /** pid -> argv of its execve. */
  execs: Map<number, string[]>;
  /** pid -> exit code. */
  exits: Map<number, number>;
  /** `${pid} ${path}` -> bytes read and written through it (opened files under `root` only). */
  io: Map<string, { read: number; write: number }>;
  /** `${pid} ${path}` of every successful open under `root`. */
  opens: Set<string>;
  /** `${pid} ${ip}:${port} ${result}` of every inet connect. */
  connects: Set<string>;
}

const SYSCALL = /^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)(?:\s+(\w+))?/;

/** Joins `<unfinished ...>` / `<... resumed>` pairs into whole lines. */
function wholeLines(text: string): string[] {
  const pending = new Map<string, string>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, pid, rest] = m;
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid, rest.slice(0, -'<unfinished ...>'.length).trimEnd());
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed) {
      out.push(`${pid} ${pending.get(pid) ?? ''}${resumed[1]}`);
      pending.delete(pid);
      continue;
    }
    out.push(line);
  }
  return out;
}

/**
 * execve(path, argv): what the new image's argv really is. A script with `#!interpreter [arg]`
 * runs as [interpreter, arg?, path, argv[1..]] (the kernel rewrites it; strace shows the call).
 */
function effectiveArgv([path, ...argv]: string[]): string[] {
  let head = '';
  try {
    head = readFileSync(path, 'latin1').slice(0, 256);
  } catch {
    return argv;
  }
  const shebang = /^#!\s*(\S+)(?:[ \t]+([^\n]*?))?\s*\n/.exec(head);
  if (!shebang) return argv;
  return [shebang[1], ...(shebang[2] ? [shebang[2]] : []), path, ...argv.slice(1)];
}

function firstString(args: string): string | undefined {
  return /"((?:[^"\\]|\\.)*)"/.exec(args)?.[1];
}

export function parseStrace(text: string, cwd: string, root: string): StraceFacts {
  const facts: StraceFacts = { execs: new Map(), exits: new Map(), io: new Map(), opens: new Set(), connects: new Set() };
  const fds = new Map<string, string>(); // `${pid}:${fd}` -> path
  const dirs = new Map<number, string>();
  const add = (pid: number, fd: string, bytes: number, kind: 'read' | 'write') => {
    const path = fds.get(`${pid}:${fd.trim()}`);
    if (!path) return;
    const key = `${pid} ${path}`;
    const v = facts.io.get(key) ?? { read: 0, write: 0 };
    v[kind] += bytes;
    facts.io.set(key, v);
  };
  for (const line of wholeLines(text)) {
    const exit = /^(\d+)\s+\+\+\+ exited with (\d+) \+\+\+/.exec(line);
    if (exit) {
      facts.exits.set(Number(exit[1]), Number(exit[2]));
      continue;
    }
    const m = SYSCALL.exec(line);
    if (!m) continue;
    const [, pidText, name, args, retText] = m;
    const pid = Number(pidText);
    const ret = Number(retText);
    const argv = args.split(/,\s*/);
    const dir = dirs.get(pid) ?? cwd;
    if (name === 'exit_group') facts.exits.set(pid, Number(args) & 0xff);
    else if (name === 'execve' && ret === 0) facts.execs.set(pid, effectiveArgv([...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1])));
    else if (name === 'chdir' && ret === 0) dirs.set(pid, firstString(args)!.startsWith('/') ? firstString(args)! : `${dir}/${firstString(args)}`);
    else if ((name === 'openat' || name === 'open') && ret >= 0) {
      let path = firstString(args)!;
      if (!path.startsWith('/')) path = `${dir}/${path}`;
      if (path.startsWith(root)) {
        fds.set(`${pid}:${ret}`, path);
        facts.opens.add(`${pid} ${path}`);
      }
    } else if ((name === 'dup2' || name === 'dup3' || name === 'dup' || name === 'fcntl') && ret >= 0) {
      if (name === 'fcntl' && !/F_DUPFD/.test(args)) continue;
      const path = fds.get(`${pid}:${argv[0]}`);
      if (path) fds.set(`${pid}:${ret}`, path);
      else fds.delete(`${pid}:${ret}`);
    } else if (name === 'close') fds.delete(`${pid}:${argv[0]}`);
    else if (ret > 0 && (name === 'read' || name === 'pread64' || name === 'readv')) add(pid, argv[0], ret, 'read');
    else if (ret > 0 && (name === 'write' || name === 'pwrite64' || name === 'writev')) add(pid, argv[0], ret, 'write');
    else if (ret > 0 && (name === 'copy_file_range' || name === 'splice')) {
      add(pid, argv[0], ret, 'read');
      add(pid, argv[2], ret, 'write');
    } else if (ret > 0 && name === 'sendfile') {
      add(pid, argv[1], ret, 'read');
      add(pid, argv[0], ret, 'write');
    } else if (name === 'connect') {
      const inet = /sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([\d.]+)"\)|inet_pton\(AF_INET6, "([^"]+)")/.exec(args);
      if (inet) facts.connects.add(`${pid} ${inet[2] ?? inet[3]}:${inet[1]} ${ret === 0 ? 'ok' : (m[5] ?? ret)}`);
    }
  }
  return facts;
}
