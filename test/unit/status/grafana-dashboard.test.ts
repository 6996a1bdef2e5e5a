import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../../src/ops/http.js';
import { SinkMetrics } from '../../../src/sink/index.js';
import { registerSourceMetrics } from '../../../src/source/index.js';
import { registerStatusMetrics } from '../../../src/status/metrics.js';

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}

// Every metric name tidemark's processes register (status, sink, source, Node's own), with histogram series.
function registeredNames(): Set<string> {
  const registry = createMetricsRegistry('test');
  registerSourceMetrics(registry, () => []);
  new SinkMetrics(registry);
  registerStatusMetrics(registry, () => null);
  const names = new Set<string>();
  for (const m of registry.getMetricsAsArray()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

describe('example Grafana dashboard (deploy/grafana)', () => {
  const dashboard = JSON.parse(readFileSync('deploy/grafana/tidemark-dashboard.json', 'utf8')) as { panels: Panel[]; title: string; schemaVersion: number };

  it('is a dashboard whose every panel queries something', () => {
    expect(dashboard.title).toContain('tidemark');
    expect(dashboard.schemaVersion).toBeGreaterThan(30);
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const p of dashboard.panels) expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0);
  });

  it('queries only metrics tidemark registers, and every lag and verifier figure', () => {
    const registered = registeredNames();
    const queried = new Set(dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => t.expr.match(/\btidemark_[a-z0-9_]+/g) ?? [])));
    const unknown = [...queried].filter((n) => !registered.has(n));
    expect(unknown).toEqual([]);
    for (const name of [
      'tidemark_lag_source_seconds',
      'tidemark_lag_kafka_records',
      'tidemark_lag_apply_seconds',
      'tidemark_lag_end_to_end_seconds',
      'tidemark_lag_end_to_end_window_seconds',
      'tidemark_verification_clean',
      'tidemark_verification_differences',
      'tidemark_verification_age_seconds',
      'tidemark_gate_open',
      'tidemark_rejected_records',
      'tidemark_parked_records',
    ]) {
      expect(queried.has(name), name).toBe(true);
    }
  });
});
