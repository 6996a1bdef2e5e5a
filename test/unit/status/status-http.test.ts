import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, startHttpServer } from '../../../src/ops/http.js';
import { createLogger } from '../../../src/ops/logger.js';
import { registerStatusMetrics } from '../../../src/status/metrics.js';
import type { StatusView } from '../../../src/status/index.js';

const NOW = 1_800_000_000_000;
const view: StatusView = {
  generatedAt: new Date(NOW).toISOString(),
  sampledAt: new Date(NOW - 1_000).toISOString(),
  sampleIntervalMs: 2_000,
  maxLagMs: 5_000,
  windowMs: 600_000,
  chartMs: 600_000,
  collections: [
    {
      collection: 'payments',
      topic: 't.payments',
      phase: 'stream',
      sourceLagMs: 400,
      recordsBehind: 3,
      applyLagMs: 1_500,
      endToEndLagMs: 1_500,
      window: { p50: 700, p99: 2_000, max: 2_500 },
      parked: 2,
      parkedExpired: 0,
      rejected: 1,
      series: [],
    },
    {
      collection: 'users',
      topic: 't.users',
      phase: null,
      sourceLagMs: null,
      recordsBehind: 0,
      applyLagMs: 0,
      endToEndLagMs: null,
      window: null,
      parked: 0,
      parkedExpired: 0,
      rejected: 0,
      series: [],
    },
  ],
  verification: { id: '1', startedAt: new Date(NOW - 90_000).toISOString(), finishedAt: new Date(NOW - 60_000).toISOString(), clean: false, couldNotVerify: false, differences: 4 },
  gate: { decision: 'closed', exitCode: 1, evaluatedAt: '', windowStart: '', windowMs: 600_000, maxLagMs: 5_000, collections: [], verification: null, reasons: ['x'] },
};

describe('status metrics and the bearer token', () => {
  it('exports lag by stage, the window, parked/rejected, verification and gate; unknown values are left out, not zero', async () => {
    const registry = createMetricsRegistry('status');
    registerStatusMetrics(registry, () => view, () => NOW);
    const text = await registry.metrics();
    for (const line of [
      'tidemark_lag_source_seconds{collection="payments",service="status"} 0.4',
      'tidemark_lag_kafka_records{collection="payments",service="status"} 3',
      'tidemark_lag_apply_seconds{collection="payments",service="status"} 1.5',
      'tidemark_lag_end_to_end_seconds{collection="payments",service="status"} 1.5',
      'tidemark_lag_end_to_end_window_seconds{collection="payments",quantile="0.99",service="status"} 2',
      'tidemark_parked_records{collection="payments",service="status"} 2',
      'tidemark_rejected_records{collection="payments",service="status"} 1',
      'tidemark_verification_clean{service="status"} 0',
      'tidemark_verification_differences{service="status"} 4',
      'tidemark_verification_age_seconds{service="status"} 60',
      'tidemark_gate_open{service="status"} 0',
      'tidemark_gate_decision{decision="closed",service="status"} 1',
      'tidemark_lag_sample_age_seconds{service="status"} 1',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toMatch(/tidemark_lag_end_to_end_seconds\{collection="users"/);
    expect(text).toContain('tidemark_lag_apply_seconds{collection="users",service="status"} 0');
  });

  it('with a token, data and metrics need it; the page shell and /healthz do not', async () => {
    const registry = createMetricsRegistry('status');
    const server = await startHttpServer(
      {
        host: '127.0.0.1',
        port: 0,
        token: 's3cret-token',
        publicPaths: ['/'],
        routes: { '/': (_q, res) => res.end('page'), '/api/status': (_q, res) => res.end('{}') },
      },
      registry,
      () => ({ ready: true, detail: {} }),
      createLogger({ level: 'silent' }),
    );
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = (path: string, token?: string) => fetch(base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    try {
      expect((await get('/')).status).toBe(200);
      expect((await get('/healthz')).status).toBe(200);
      for (const path of ['/api/status', '/metrics', '/readyz']) {
        const denied = await get(path);
        expect(denied.status, path).toBe(401);
        expect(denied.headers.get('www-authenticate')).toBe('Bearer');
        expect((await get(path, 'wrong')).status, path).toBe(401);
        expect((await get(path, 's3cret-token')).status, path).toBe(200);
      }
    } finally {
      server.close();
    }
  });
});
