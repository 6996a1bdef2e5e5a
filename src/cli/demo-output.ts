// What the demo commands print: workload summaries, live-mode progress and totals.
import { formatDuration } from '../ops/duration.js';
import { LIVE_KINDS, tally, type GeneratedDoc, type LiveStats } from '../workload/index.js';
import { textTable } from './text-table.js';

export const say = (line: string): void => console.log(`[demo] ${line}`);

export const count = (n: number): string => n.toLocaleString('en-US');

/** Documents per collection and what the replicator must do with them. */
export function workloadTable(docs: readonly GeneratedDoc[]): string {
  const counts = tally(docs);
  const total = { accepted: 0, rejected: 0, orphan: 0 };
  const rows = [...counts].map(([collection, c]) => {
    total.accepted += c.accepted;
    total.rejected += c.rejected;
    total.orphan += c.orphan;
    return [collection, count(c.accepted + c.rejected + c.orphan), count(c.accepted), count(c.rejected), count(c.orphan)];
  });
  return textTable([
    ['collection', 'documents', 'accepted (rows)', 'rejected (dead letters)', 'orphan (parked)'],
    ...rows,
    ['total', count(docs.length), count(total.accepted), count(total.rejected), count(total.orphan)],
  ]);
}

/** One progress line of the live mode. */
export function liveProgress(s: LiveStats): string {
  const rate = s.elapsedMs > 0 ? (s.finished / s.elapsedMs) * 1000 : 0;
  const writes = s.writes.insertOne + s.writes.updateOne + s.writes.deleteOne;
  return `${count(s.finished)} operations (${rate.toFixed(0)}/s, ${count(writes)} writes, ${s.started - s.finished} in flight)`;
}

/** Totals of a live run by kind of operation. */
export function liveSummary(s: LiveStats): string {
  const rate = s.elapsedMs > 0 ? (s.finished / s.elapsedMs) * 1000 : 0;
  const lines = [
    `live mode: ${count(s.finished)} operations in ${formatDuration(s.elapsedMs)} (${rate.toFixed(0)}/s, at most ${s.peakInFlight} in flight): ` +
      `${count(s.writes.insertOne)} inserts, ${count(s.writes.updateOne)} updates, ${count(s.writes.deleteOne)} deletes`,
    textTable([['operation', 'count'], ...LIVE_KINDS.map((k) => [k, count(s.byKind[k])])]),
  ];
  if (s.skipped > 0) lines.push(`${s.skipped} transitions skipped: the document had moved on (an earlier live run)`);
  return lines.join('\n');
}
