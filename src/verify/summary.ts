// The short human summary `tidemark verify` prints without --json: the verdict
// first, then the first differences with their exact keys and fields.

import type { CheckDifference, KeyReport, Problem, Report } from './report.js';

const SHOWN = 20;

export function summarize(report: Report): string {
  const lines: string[] = [];
  const verdict = {
    clean: 'CLEAN: PostgreSQL equals MongoDB through the mappings',
    differences: `DIFFERENCES: ${report.differences} found`,
    'in-flight': `COULD NOT VERIFY: ${report.inFlight} document(s) still in flight after ${report.settleTimeoutMs} ms (the sink is behind)`,
    'could-not-verify': `COULD NOT VERIFY: ${report.error ?? 'unknown reason'}`,
  }[report.status];
  lines.push(`tidemark verify: ${verdict} (exit ${report.exitCode})`);
  if (report.status === 'could-not-verify' && report.collections.length === 0) return lines.join('\n');

  const docs = report.collections.reduce((n, c) => n + c.counts.scanned, 0);
  const count = (pick: (c: Report['collections'][number]) => number) => report.collections.reduce((n, c) => n + pick(c), 0);
  lines.push(
    `  ${report.collections.length} collection(s), ${docs} document(s): ${count((c) => c.counts.equal)} equal, ` +
      `${count((c) => c.counts.rejected)} rejected (dead-lettered), ${count((c) => c.counts.parked)} parked, ` +
      `${count((c) => c.counts.inFlight)} in flight, ${count((c) => c.counts.differences)} different`,
  );
  for (const c of report.collections) {
    if (c.counts.inFlight > 0) lines.push(`  ${c.collection}: ${c.counts.inFlight} in flight; sink ${c.lag.recordsBehind} record(s) behind, applied up to ${c.lag.appliedClusterTime ?? 'nothing'}`);
    if (c.notCompared) lines.push(`  ${c.collection}: not compared: ${c.notCompared}`);
  }
  const keyed = report.collections.flatMap((c) => c.differences.items);
  const checks = [
    ...report.checks.schema,
    ...report.checks.foreignKeys.violations,
    ...report.checks.ledger.triggers,
    ...report.checks.ledger.differences,
    ...report.checks.moneySumDifferences,
    ...report.checks.pointsBalances.differences,
  ];
  const shown = [...keyed.map(keyLine), ...checks.map(checkLine)];
  for (const line of shown.slice(0, SHOWN)) lines.push(`  ${line}`);
  if (shown.length > SHOWN) lines.push(`  … ${shown.length - SHOWN} more (--json lists them all)`);
  const anomalies = report.checks.ledger.sourceAnomalies.total;
  if (anomalies > 0) lines.push(`  note: ${anomalies} ledger anomaly(ies) present in MongoDB itself (double refunds, escrow states); see --json`);
  const unmapped = report.checks.enums.unmapped;
  if (unmapped.length > 0) lines.push(`  note: unmapped enum values: ${unmapped.slice(0, 5).map((u) => `${u.table}.${u.column}=${u.value} (${u.documents})`).join(', ')}`);
  return lines.join('\n');
}

function keyLine(k: KeyReport): string {
  const what = k.problems.map(problemText).join('; ');
  return `${k.table} ${k.key} (_id ${k.id ?? 'unknown'}): ${what}${k.note ? ` — ${k.note}` : ''}`;
}

function problemText(p: Problem): string {
  switch (p.kind) {
    case 'missing-row':
      return 'no row in PostgreSQL';
    case 'extra-row':
      return 'row has no MongoDB document';
    case 'fields':
      return p.fields.map((f) => `${f.column}: mongo ${f.mongo ?? 'NULL'}, postgres ${f.postgres ?? 'NULL'}`).join(', ');
    case 'child-rows':
      return `${p.table} ${p.rows.map((r) => `${JSON.stringify(r.key)} ${r.change}${r.fields ? ` (${r.fields.map((f) => `${f.column}: mongo ${f.mongo ?? 'NULL'}, postgres ${f.postgres ?? 'NULL'}`).join(', ')})` : ''}`).join(', ')}`;
    case 'id-map':
      return `id_map row ${p.found === null ? 'missing' : `names ${p.found}`}`;
    case 'rejected':
      return `rejected by the mapping: ${p.reason}`;
  }
}

function checkLine(c: CheckDifference): string {
  const keys = c.keys && c.keys.length > 0 ? ` e.g. ${JSON.stringify(c.keys[0])}` : '';
  return `${c.check} ${c.table}: ${c.detail}${keys}`;
}
