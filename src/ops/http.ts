import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from './logger.js';

/** One Prometheus registry per process, with Node's own process metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'tidemark_' });
  return registry;
}

export interface HealthReport {
  ready: boolean;
  detail: Record<string, unknown>;
}

/**
 * Health, readiness and metrics for a long-lived service: `/healthz` (the
 * process answers), `/readyz` (200 only when `health().ready`) and `/metrics`
 * (Prometheus text). Binds to localhost unless configured otherwise.
 */
export async function startHttpServer(
  opts: { host: string; port: number },
  registry: Registry,
  health: () => HealthReport,
  log: Logger,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const report = health();
      res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report) + '\n');
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz, /readyz, /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  log.info({ host: opts.host, port }, 'serving /healthz, /readyz and /metrics');
  return server;
}
