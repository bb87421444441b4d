// A throwaway certificate for local TLS servers: capture tests, benches, recordings and the demo.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Writes cert.pem and key.pem (CN `localhost`; SAN `localhost`, 127.0.0.1 and `hosts`) into `dir`. */
export function makeTestCert(dir: string, hosts: string[] = []): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', `subjectAltName=${['DNS:localhost', 'IP:127.0.0.1', ...hosts.map((h) => `DNS:${h}`)].join(',')}`], { stdio: 'ignore' });
  return { cert, key };
}
