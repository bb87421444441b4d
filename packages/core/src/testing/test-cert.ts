// A throwaway certificate for local TLS servers: capture tests, benches, recordings and the demo.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes cert.pem and key.pem (CN `localhost`; SAN `localhost`, 127.0.0.1 and `hosts`) into `dir`. */
export function makeTestCert(dir: string, hosts: string[] = []): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', `subjectAltName=${['DNS:localhost', 'IP:127.0.0.1', ...hosts.map((h) => `DNS:${h}`)].join(',')}`], { stdio: 'ignore' });
  return { cert, key };
}

/**
 * A throwaway certificate authority and a server certificate it signed (SAN `localhost` and
 * 127.0.0.1), for clients that will not take a self-signed server certificate as its own root
 * (rustls/webpki refuse a CA certificate used as an end entity).
 */
export function makeTestCa(dir: string): { ca: string; cert: string; key: string } {
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca-key.pem'), '-out', at('ca.pem'), '-days', '1', '-subj', '/CN=oisp test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('server-key.pem'), '-out', at('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(at('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca-key.pem'), '-CAcreateserial', '-out', at('server.pem'), '-days', '1', '-extfile', at('server.ext'));
  return { ca: at('ca.pem'), cert: at('server.pem'), key: at('server-key.pem') };
}
