import { Gauge, type Registry } from 'prom-client';
import type { GateDecision } from '../lag/gate.js';
import type { StatusView } from './view.js';

const DECISIONS: GateDecision[] = ['open', 'closed', 'undecided'];
const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

/**
 * Lag by stage, the window's spread, parked/rejected counts, the latest
 * verification and the gate, from the status page's latest view. A value that is
 * unknown is left out rather than reported as zero.
 */
export function registerStatusMetrics(registry: Registry, view: () => StatusView | null, now: () => number = Date.now): void {
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge<string>, v: StatusView) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        const v = view();
        if (v) fill(this, v);
      },
    });
  const perCollection = (name: string, help: string, pick: (c: StatusView['collections'][number]) => number | null) =>
    gauge(name, help, ['collection'], (g, v) => {
      for (const c of v.collections) {
        const value = pick(c);
        if (value !== null) g.set({ collection: c.collection }, value);
      }
    });

  perCollection('tidemark_lag_source_seconds', 'Now minus the moment up to which the source has read every change (heartbeats keep idle collections near zero)', (c) => seconds(c.sourceLagMs));
  perCollection('tidemark_lag_kafka_records', 'Kafka records after the sink\'s PostgreSQL-stored offsets', (c) => c.recordsBehind);
  perCollection('tidemark_lag_apply_seconds', 'Age of what PostgreSQL holds on the worst partition with records waiting; 0 when all are applied', (c) => seconds(c.applyLagMs));
  perCollection('tidemark_lag_end_to_end_seconds', 'Now minus the moment up to which PostgreSQL holds every change of the collection', (c) => seconds(c.endToEndLagMs));
  gauge('tidemark_lag_end_to_end_window_seconds', 'End-to-end lag over the gate window (gate.windowMs): quantile 0.5, 0.99 and 1 (max)', ['collection', 'quantile'], (g, v) => {
    for (const c of v.collections) {
      const w = c.window;
      if (!w) continue;
      for (const [q, ms] of [['0.5', w.p50], ['0.99', w.p99], ['1', w.max]] as const) if (ms !== null) g.set({ collection: c.collection, quantile: q }, ms / 1000);
    }
  });
  gauge('tidemark_lag_sample_age_seconds', 'Age of the newest lag sample (a stalled sampler makes the gate undecided)', [], (g, v) => g.set(Math.max(0, (now() - Date.parse(v.sampledAt)) / 1000)));
  perCollection('tidemark_parked_records', 'Changes parked in PostgreSQL waiting for a parent (or for references to a deleted row to go)', (c) => c.parked);
  perCollection('tidemark_parked_expired_records', 'Parked changes older than sink.parkedMaxAgeMs', (c) => c.parkedExpired);
  perCollection('tidemark_rejected_records', 'Records on the collection\'s dead-letter topic (rejected by the mapping or refused by PostgreSQL)', (c) => c.rejected);

  const finished = (v: StatusView) => (typeof v.verification === 'object' && v.verification !== null ? v.verification : null);
  gauge('tidemark_verification_clean', 'Latest finished verification: 1 clean, 0 not (absent when none has finished)', [], (g, v) => {
    const f = finished(v);
    if (f) g.set(f.clean && !f.couldNotVerify ? 1 : 0);
  });
  gauge('tidemark_verification_could_not_verify', 'Latest finished verification: 1 when it could not verify', [], (g, v) => {
    const f = finished(v);
    if (f) g.set(f.couldNotVerify ? 1 : 0);
  });
  gauge('tidemark_verification_differences', 'Differences the latest finished verification reported', [], (g, v) => {
    const f = finished(v);
    if (f?.differences !== null && f?.differences !== undefined) g.set(f.differences);
  });
  gauge('tidemark_verification_age_seconds', 'Time since the latest verification finished', [], (g, v) => {
    const f = finished(v);
    if (f) g.set(Math.max(0, (now() - Date.parse(f.finishedAt)) / 1000));
  });
  gauge('tidemark_gate_open', 'The cutover gate at gate.maxLagMs / gate.windowMs: 1 open (reads may flip), 0 otherwise', [], (g, v) => g.set(v.gate.decision === 'open' ? 1 : 0));
  gauge('tidemark_gate_decision', '1 for the gate\'s current decision: open, closed or undecided', ['decision'], (g, v) => {
    for (const d of DECISIONS) g.set({ decision: d }, v.gate.decision === d ? 1 : 0);
  });
}
