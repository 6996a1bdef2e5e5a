import { Gauge, type Registry } from 'prom-client';
import type { CollectionSource, PipelineStatus } from './collection-source.js';

const STATUSES: PipelineStatus[] = ['starting', 'snapshot', 'streaming', 'retrying', 'stopped', 'failed'];

/** Source metrics per collection, read from the pipelines when Prometheus scrapes. */
export function registerSourceMetrics(registry: Registry, pipelines: () => CollectionSource[], now = Date.now): void {
  const each = (fn: (p: CollectionSource) => void) => pipelines().forEach(fn);
  new Gauge({
    name: 'tidemark_source_events_total',
    help: 'Records produced to Kafka (snapshot reads and changes), since the process started',
    labelNames: ['collection'],
    registers: [registry],
    collect() {
      each((p) => this.set({ collection: p.name }, p.eventsProduced));
    },
  });
  new Gauge({
    name: 'tidemark_source_snapshot_documents',
    help: 'Snapshot progress: documents done and documents in the collection when the scan began',
    labelNames: ['collection', 'kind'],
    registers: [registry],
    collect() {
      each((p) => {
        this.set({ collection: p.name, kind: 'done' }, p.snapshot.done);
        this.set({ collection: p.name, kind: 'total' }, p.snapshot.total);
      });
    },
  });
  new Gauge({
    name: 'tidemark_source_lag_seconds',
    help: 'Now minus the newest moment the source has read up to: cluster time seen on the change stream (events or postBatchResumeToken) or the last poll that found it drained',
    labelNames: ['collection'],
    registers: [registry],
    collect() {
      each((p) => {
        const upTo = p.readUpToMs;
        if (upTo !== null) this.set({ collection: p.name }, Math.max(0, (now() - upTo) / 1000));
      });
    },
  });
  new Gauge({
    name: 'tidemark_source_pipeline_status',
    help: '1 for the state each collection pipeline is in',
    labelNames: ['collection', 'status'],
    registers: [registry],
    collect() {
      each((p) => STATUSES.forEach((s) => this.set({ collection: p.name, status: s }, p.status === s ? 1 : 0)));
    },
  });
}
