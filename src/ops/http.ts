import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpOptions {
  host: string;
  port: number;
  /** When set, every path but /healthz and `publicPaths` needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Extra paths (the status page's) served beside the built-in ones. */
  routes?: Record<string, Route>;
  publicPaths?: string[];
}

/**
 * Health, readiness and metrics for a long-lived service: `/healthz` (the
 * process answers), `/readyz` (200 only when `health().ready`) and `/metrics`
 * (Prometheus text), plus any extra routes. Binds to localhost unless configured otherwise.
 */
export async function startHttpServer(opts: HttpOptions, registry: Registry, health: () => HealthReport, log: Logger): Promise<Server> {
  const routes: Record<string, Route> = {
    '/healthz': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'),
    '/readyz': (_req, res) => {
      const report = health();
      res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report) + '\n');
    },
    '/metrics': (_req, res) => {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    },
    ...opts.routes,
  };
  const open = new Set(['/healthz', ...(opts.publicPaths ?? [])]);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try ${Object.keys(routes).join(', ')}\n`);
    } else if (opts.token && !open.has(path) && !bearerMatches(req, opts.token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('a bearer token is required\n');
    } else {
      route(req, res);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  log.info({ host: opts.host, port, paths: Object.keys(routes), auth: opts.token ? 'bearer token' : 'none' }, 'serving HTTP');
  return server;
}

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}
