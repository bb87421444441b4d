// Serves the Prometheus exposition on http://<address>/metrics (service::telemetry::metrics::address).
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.ts';

export interface MetricsServer {
  /** Where it listens, e.g. http://127.0.0.1:8888/metrics (the real port when 0 was asked). */
  url: string;
  close(): Promise<void>;
}

/** `host:port` or `[v6]:port` -> parts; throws naming the config field. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`service::telemetry::metrics::address: must be host:port (or [ipv6]:port), got ${JSON.stringify(address)}`);
  return { host: m[1] ?? m[2], port };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export async function startMetricsServer(address: string, render: () => string, logger: Logger): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(address);
  if (!isLoopback(host)) {
    logger.warn({ address }, 'metrics endpoint listens on a non-loopback address: anyone who can reach it can read component names and counts');
  }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    let body: string;
    try {
      body = render();
    } catch (err) {
      logger.error({ err }, 'metrics exposition failed');
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`service::telemetry::metrics::address: cannot listen on ${address}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const boundPort = bound && typeof bound === 'object' ? bound.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}/metrics`;
  logger.info({ url }, 'metrics endpoint listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
