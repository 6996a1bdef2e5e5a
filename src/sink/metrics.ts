import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ParkedSummary } from './parking.js';
import { observePhases } from './phases.js';

/** Sink metrics per topic: throughput, batch size and apply time, rejections, apply lag. */
export class SinkMetrics {
  readonly records: Counter<'topic'>;
  readonly rowsWritten: Counter<'topic' | 'kind'>;
  readonly rejected: Counter<'topic'>;
  readonly batchRecords: Histogram<'topic'>;
  readonly applySeconds: Histogram<'topic'>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly phaseSeconds: Histogram<'table' | 'phase'>;
  private readonly parked: Gauge<'table'>;
  private readonly parkedExpired: Gauge<'table'>;
  private readonly parkedOldest: Gauge<'table'>;
  private readonly newestApplied = new Map<string, number>();
  /** Stops feeding this registry's phase histogram (the Applier reports phases process-wide). */
  readonly stopObservingPhases: () => void;

  constructor(registry: Registry, now: () => number = Date.now) {
    const registers = [registry];
    this.records = new Counter({ name: 'tidemark_sink_records_total', help: 'Records decoded and transformed', labelNames: ['topic'], registers });
    this.rowsWritten = new Counter({
      name: 'tidemark_sink_rows_total',
      help: 'Rows changed in PostgreSQL (kind upserted or deleted); replayed or older versions change none',
      labelNames: ['topic', 'kind'],
      registers,
    });
    this.rejected = new Counter({ name: 'tidemark_sink_rejected_total', help: 'Records sent to the dead-letter topic', labelNames: ['topic'], registers });
    this.batchRecords = new Histogram({
      name: 'tidemark_sink_batch_records',
      help: 'Records per applied batch',
      labelNames: ['topic'],
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000],
      registers,
    });
    this.applySeconds = new Histogram({
      name: 'tidemark_sink_apply_seconds',
      help: 'Time of one batch transaction (COPY, merge, offsets)',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.phaseSeconds = new Histogram({
      name: 'tidemark_sink_phase_seconds',
      help: 'Time of one phase of a table apply (parking-check, staging, copy, merge, children, wake)',
      labelNames: ['table', 'phase'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const phases = this.phaseSeconds;
    this.stopObservingPhases = observePhases((table, phase, seconds) => phases.observe({ table, phase }, seconds));
    this.consumerLag = new Gauge({
      name: 'tidemark_sink_consumer_lag_records',
      help: 'Records in the partition after the last applied one (high watermark minus next offset)',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.parked = new Gauge({ name: 'tidemark_sink_parked', help: 'Changes parked (waiting for a parent, or for references to a deleted row to go)', labelNames: ['table'], registers });
    this.parkedExpired = new Gauge({ name: 'tidemark_sink_parked_expired', help: 'Parked changes older than sink.parkedMaxAgeMs', labelNames: ['table'], registers });
    this.parkedOldest = new Gauge({ name: 'tidemark_sink_parked_oldest_seconds', help: 'Age of the oldest parked change', labelNames: ['table'], registers });
    const newest = this.newestApplied;
    new Gauge({
      name: 'tidemark_sink_apply_lag_seconds',
      help: 'Now minus the source cluster time of the newest change applied',
      labelNames: ['topic'],
      registers,
      collect() {
        for (const [topic, ms] of newest) this.set({ topic }, Math.max(0, (now() - ms) / 1000));
      },
    });
  }

  parkedNow(summary: readonly ParkedSummary[]): void {
    for (const gauge of [this.parked, this.parkedExpired, this.parkedOldest]) gauge.reset();
    for (const s of summary) {
      this.parked.set({ table: s.table }, s.count);
      this.parkedExpired.set({ table: s.table }, s.expired);
      this.parkedOldest.set({ table: s.table }, s.oldestSeconds);
    }
  }

  applied(topic: string, clusterTimeMs: number | null): void {
    if (clusterTimeMs !== null && clusterTimeMs > (this.newestApplied.get(topic) ?? 0)) this.newestApplied.set(topic, clusterTimeMs);
  }
}
