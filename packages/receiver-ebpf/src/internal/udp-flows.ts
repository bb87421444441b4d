// UDP flows to port 443 — QUIC, HTTP/3 — from /proc/net/udp and udp6: TLS capture cannot see inside
// them (QUIC encrypts in the library, not through OpenSSL's SSL_write), so they are said, not missed
// silently. Only connected sockets show their peer there; a socket that sends to many peers with
// sendto() shows none (the receiver's kernel side sees those: bpf/sys.bpf.c, OISP_REC_UDP_SEND).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { ipString } from './ip-address.ts';

export interface UdpFlow {
  pid: number;
  inode: number;
  /** The peer's address, as the kernel's records spell it (ipString). */
  ip: string;
  port: number;
  /** ip:port, IPv6 in brackets. */
  remote: string;
}

const QUIC_PORT = 443;

/** Connected UDP sockets whose peer port is 443, with the processes holding them; sockets in
 * `known` are left out (finding a socket's process walks every process's fds: done once). */
export function quicFlows(known: ReadonlySet<number> = new Set()): UdpFlow[] {
  const byInode = new Map<number, string>();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [addr, port] = f[2].split(':');
      if (parseInt(port, 16) !== QUIC_PORT) continue;
      if (!known.has(Number(f[9]))) byInode.set(Number(f[9]), hexAddress(addr));
    }
  }
  if (byInode.size === 0) return [];
  const out: UdpFlow[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${p}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      const ip = inode === undefined ? undefined : byInode.get(Number(inode));
      if (ip) out.push({ pid: Number(p), inode: Number(inode), ip, port: QUIC_PORT, remote: `${ip.includes(':') ? `[${ip}]` : ip}:${QUIC_PORT}` });
    }
  }
  return out;
}

/** /proc/net's address: IPv4 as one little-endian word, IPv6 as four. */
function hexAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = Buffer.from(words.flatMap((w) => [...Buffer.from(w, 'hex').reverse()]));
  return ipString(bytes.length === 4 ? 2 : 10, bytes);
}
