// UDP flows to port 443 — QUIC, HTTP/3 — from /proc/net/udp and udp6: TLS capture cannot see inside
// them (QUIC encrypts in the library, not through OpenSSL's SSL_write), so they are said, not missed
// silently. Only connected sockets show their peer there; a socket that sends to many peers with
// sendto() shows none.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface UdpFlow {
  pid: number;
  inode: number;
  remote: string;
}

const QUIC_PORT = 443;

/** Connected UDP sockets whose peer port is 443, with the processes holding them. */
export function quicFlows(): UdpFlow[] {
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
      byInode.set(Number(f[9]), `${hexAddress(addr)}:${QUIC_PORT}`);
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
      const remote = inode === undefined ? undefined : byInode.get(Number(inode));
      if (remote) out.push({ pid: Number(p), inode: Number(inode), remote });
    }
  }
  return out;
}

/** /proc/net's address: IPv4 as one little-endian word, IPv6 as four. */
function hexAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [...Buffer.from(w, 'hex').reverse()]);
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return `[${groups.join(':')}]`;
}
