import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, startHttpServer } from '../../../src/ops/http.js';
import { createLogger } from '../../../src/ops/logger.js';
import { registerSourceMetrics } from '../../../src/source/index.js';
import type { CollectionSource } from '../../../src/source/index.js';

describe('health and metrics endpoints', () => {
  it('serves /healthz, /readyz by readiness, and per-collection source metrics', async () => {
    let ready = false;
    const fake = { name: 'payments', status: 'snapshot', eventsProduced: 42, snapshot: { done: 40, total: 100 }, observedClusterTime: { t: 1_000, i: 1 }, readUpToMs: 1_000_000 };
    const registry = createMetricsRegistry('source');
    registerSourceMetrics(registry, () => [fake as unknown as CollectionSource], () => 1_010_000);
    const server = await startHttpServer({ host: '127.0.0.1', port: 0 }, registry, () => ({ ready, detail: {} }), createLogger({ level: 'silent' }));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('tidemark_source_events_total{collection="payments",service="source"} 42');
      expect(metrics).toContain('tidemark_source_snapshot_documents{collection="payments",kind="total",service="source"} 100');
      expect(metrics).toContain('tidemark_source_lag_seconds{collection="payments",service="source"} 10');
      expect(metrics).toContain('tidemark_source_pipeline_status{collection="payments",status="snapshot",service="source"} 1');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});

describe('sink metrics', () => {
  it('exports throughput, rows, rejections, batch sizes and apply lag per topic', async () => {
    const { SinkMetrics } = await import('../../../src/sink/index.js');
    const registry = createMetricsRegistry('sink');
    const m = new SinkMetrics(registry, () => 1_005_000);
    m.records.inc({ topic: 't' }, 7);
    m.rowsWritten.inc({ topic: 't', kind: 'upserted' }, 5);
    m.rejected.inc({ topic: 't' }, 2);
    m.batchRecords.observe({ topic: 't' }, 9);
    m.applied('t', 1_000_000);
    m.applied('t', 999_000); // an older change never moves the lag backwards
    const text = await registry.metrics();
    expect(text).toContain('tidemark_sink_records_total{topic="t",service="sink"} 7');
    expect(text).toContain('tidemark_sink_rows_total{topic="t",kind="upserted",service="sink"} 5');
    expect(text).toContain('tidemark_sink_rejected_total{topic="t",service="sink"} 2');
    expect(text).toContain('tidemark_sink_batch_records_count{service="sink",topic="t"} 1');
    expect(text).toContain('tidemark_sink_apply_lag_seconds{topic="t",service="sink"} 5');
  });
});
