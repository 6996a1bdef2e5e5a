import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { LagSampler } from '../lag/sampler.js';
import type { Config } from '../ops/config.js';
import { createMetricsRegistry, startHttpServer } from '../ops/http.js';
import { createKafka, ensureCollectionTopics, sourceStateTopic, topicFor } from '../ops/kafka.js';
import type { Logger } from '../ops/logger.js';
import { registerStatusMetrics } from './metrics.js';
import { STATUS_PAGE } from './page.js';
import { buildStatusView, type StatusView } from './view.js';

export type { StatusView } from './view.js';

export interface RunningStatus {
  /** http://host:port/ of the page. */
  url: string;
  view(): StatusView | null;
  stop(): Promise<void>;
}

/** The gate treats a stretch this long without samples as unwatched: a few sampling intervals. */
export function sampleTolerance(config: Config): number {
  return Math.max(3 * config.lag.sampleIntervalMs, 1000);
}

/**
 * `tidemark status`: samples every collection's lag into PostgreSQL each
 * lag.sampleIntervalMs and serves the status page, its JSON and the metrics.
 */
export async function startStatus(config: Config, logger: Logger, collections: string[], opts: { host: string; port: number }): Promise<RunningStatus> {
  const log = logger.child({ stage: 'status' });
  const kafka = createKafka(config, log, '-status');
  await ensureCollectionTopics(kafka, config, collections);
  const db = new pg.Pool({
    connectionString: config.postgres.url,
    max: 3,
    options: `-c search_path=${config.postgres.schema}`,
    application_name: 'tidemark-status',
  });
  db.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection failed; the pool replaces it'));
  const admin = kafka.admin();
  let view: StatusView | null = null;
  const deps = {
    db,
    admin,
    groupId: config.sink.groupId,
    sampleIntervalMs: config.lag.sampleIntervalMs,
    maxLagMs: config.gate.maxLagMs,
    windowMs: config.gate.windowMs,
    parkedMaxAgeMs: config.sink.parkedMaxAgeMs,
    toleranceMs: sampleTolerance(config),
  };
  const sampler = new LagSampler({
    kafka,
    db,
    groupId: config.sink.groupId,
    database: config.mongo.database,
    stateTopic: sourceStateTopic(config),
    targets: collections.map((collection) => ({ collection, topic: topicFor(config, collection) })),
    intervalMs: config.lag.sampleIntervalMs,
    retentionMs: config.lag.retentionMs,
    log,
    onSample: async (sample) => {
      view = await buildStatusView(deps, sample, Date.now());
    },
  });
  let server: Server | undefined;
  try {
    await admin.connect();
    await sampler.start();
    const registry = createMetricsRegistry('status');
    registerStatusMetrics(registry, () => view);
    const json = (body: unknown) => JSON.stringify(body) + '\n';
    server = await startHttpServer(
      {
        host: opts.host,
        port: opts.port,
        token: config.status.token,
        publicPaths: ['/'],
        routes: {
          '/': (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(STATUS_PAGE),
          '/api/status': (_req, res) =>
            view
              ? res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(json(view))
              : res.writeHead(503, { 'content-type': 'application/json' }).end(json({ error: 'no lag sample yet' })),
        },
      },
      registry,
      () => ({ ready: view !== null, detail: { sampledAt: view?.sampledAt ?? null } }),
      log,
    );
  } catch (err) {
    await sampler.stop().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await db.end();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/`,
    view: () => view,
    async stop() {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server!.closeAllConnections(); // a page left open keeps its connection alive
      await closed;
      await sampler.stop();
      await admin.disconnect().catch(() => undefined);
      await db.end();
    },
  };
}
