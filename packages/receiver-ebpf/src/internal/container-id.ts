// A process's container id, from the names of its cgroup. Container runtimes name a cgroup after
// the container's 64-hex id: docker-ID.scope, cri-containerd-ID.scope, crio-ID.scope,
// libpod-ID.scope (systemd driver), or a bare ID directory (cgroupfs driver: /docker/ID,
// /kubepods/.../ID). A process nested deeper (a container's own init.scope) finds it one level up.
import { readFileSync } from 'node:fs';

const CONTAINER_ID = /(?:^|[/:_-])([0-9a-f]{64})(?:\.scope)?(?=\/|$)/g;

/** The container id in a cgroup path or "parent/leaf" names, or undefined; the innermost wins. */
export function containerIdOf(cgroup: string): string | undefined {
  let id: string | undefined;
  for (const m of cgroup.matchAll(CONTAINER_ID)) id = m[1];
  return id;
}

/** For a process already running when the collector started: /proc/PID/cgroup (every hierarchy). */
export function containerIdOfPid(pid: number): string | undefined {
  try {
    const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
    for (const line of lines) {
      const id = containerIdOf(line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1));
      if (id) return id;
    }
  } catch {
    // gone
  }
  return undefined;
}
