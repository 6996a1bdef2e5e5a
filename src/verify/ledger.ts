// Ledger reconciliation (the audit's reconcile.ts gaps, without its LIMIT 1000):
// no payment refunded twice, and each purchase request's escrow_state equal to the
// state its last ledger entry left. Both rules run on the MongoDB side and on the
// PostgreSQL side of the mirrors, so an anomaly present in both is the source data's
// own (reported, not a replication difference) and one present on one side only is a
// difference, unless a key involved is still in flight or parked. Immutability: the
// ledger table must refuse UPDATE/DELETE per row and TRUNCATE per statement.

import pg from 'pg';
import type { Queryable } from './mirror.js';
import type { Mirror } from './mirror.js';
import type { CheckDifference, LedgerAnomaly, Listed } from './report.js';
import { LEDGER } from './rules.js';

const ident = (name: string) => pg.escapeIdentifier(name);
const L = LEDGER;
const P = LEDGER.owner;

/** Anomalies of one side: kind, purchase request uuid and legacy id, and what is wrong. */
function anomaliesSql(ledger: string, owner: string): string {
  return `
    SELECT 'double-refund'::text AS kind, l.${ident(L.purchaseRequest)} AS pr, coalesce(l.${ident(L.payment)}::text, '') AS part,
      'payment ' || coalesce(l.${ident(L.payment)}::text, '(none)') || ' refunded ' || count(*) || ' times: entries '
        || string_agg(l.${ident(L.legacyId)}, ', ' ORDER BY l.${ident(L.createdAt)}, l.${ident(L.legacyId)} COLLATE "C") AS detail
    FROM ${ident(ledger)} l WHERE l.${ident(L.entryType)} = ${pg.escapeLiteral(L.refund)}
    GROUP BY l.${ident(L.purchaseRequest)}, l.${ident(L.payment)} HAVING count(*) > 1
    UNION ALL
    SELECT 'escrow-state', p.${ident(P.key)}, '',
      'escrow_state ' || coalesce(p.${ident(P.escrowState)}, 'NULL') || ', last ledger entry ' || last.${ident(L.legacyId)}
        || ' left ' || coalesce(last.${ident(L.escrowState)}, 'NULL')
    FROM ${ident(owner)} p
    JOIN (SELECT DISTINCT ON (${ident(L.purchaseRequest)}) ${ident(L.purchaseRequest)}, ${ident(L.escrowState)}, ${ident(L.legacyId)}
          FROM ${ident(ledger)} ORDER BY ${ident(L.purchaseRequest)}, ${ident(L.createdAt)} DESC, ${ident(L.legacyId)} COLLATE "C" DESC) last
      ON last.${ident(L.purchaseRequest)} = p.${ident(P.key)}
    WHERE p.${ident(P.escrowState)} IS DISTINCT FROM last.${ident(L.escrowState)}`;
}

export interface LedgerResult {
  sourceAnomalies: Listed<LedgerAnomaly>;
  differences: CheckDifference[];
}

/**
 * Compares the anomalies of both sides. `unresolvedLedger` / `unresolvedOwner`: keys
 * still in flight, parked or different, whose rows may explain a one-sided anomaly.
 */
export async function reconcileLedger(
  db: Queryable,
  ledger: Mirror,
  owner: Mirror,
  unresolvedLedger: readonly string[],
  unresolvedOwner: readonly string[],
  maxListed: number,
): Promise<LedgerResult> {
  await db.query('DROP TABLE IF EXISTS _tm_v_ledger_diff');
  await db.query(
    `CREATE TEMP TABLE _tm_v_ledger_diff AS
     SELECT coalesce(s.kind, d.kind) AS kind, coalesce(s.pr, d.pr) AS pr, coalesce(s.part, d.part) AS part,
            s.detail AS mongo, d.detail AS postgres
     FROM (${anomaliesSql(ledger.src, owner.src)}) s
     FULL JOIN (${anomaliesSql(ledger.dst, owner.dst)}) d ON s.kind = d.kind AND s.pr = d.pr AND s.part = d.part`,
  );
  const legacy = `(SELECT o.${ident(P.legacyId)} FROM ${ident(owner.src)} o WHERE o.${ident(P.key)} = x.pr
                   UNION ALL SELECT o.${ident(P.legacyId)} FROM ${ident(owner.dst)} o WHERE o.${ident(P.key)} = x.pr LIMIT 1)`;
  const { rows: counted } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM _tm_v_ledger_diff WHERE mongo IS NOT NULL AND postgres IS NOT NULL`);
  const { rows: both } = await db.query<{ kind: LedgerAnomaly['kind']; pr: string; legacy: string | null; detail: string }>(
    `SELECT x.kind, x.pr::text, ${legacy} AS legacy, x.postgres AS detail FROM _tm_v_ledger_diff x
     WHERE x.mongo IS NOT NULL AND x.postgres IS NOT NULL ORDER BY x.kind, x.pr LIMIT ${maxListed}`,
  );
  // One side only, and no unsettled key involved: the replica disagrees with the source.
  const { rows: oneSided } = await db.query<{ kind: string; pr: string; legacy: string | null; mongo: string | null; postgres: string | null }>(
    `SELECT x.kind, x.pr::text, ${legacy} AS legacy, x.mongo, x.postgres FROM _tm_v_ledger_diff x
     WHERE (x.mongo IS NULL OR x.postgres IS NULL)
       AND x.pr <> ALL($2::uuid[])
       AND NOT EXISTS (SELECT 1 FROM ${ident(ledger.src)} l WHERE l.${ident(L.purchaseRequest)} = x.pr AND l.${ident(ledger.key)} = ANY($1::uuid[]))
       AND NOT EXISTS (SELECT 1 FROM ${ident(ledger.dst)} l WHERE l.${ident(L.purchaseRequest)} = x.pr AND l.${ident(ledger.key)} = ANY($1::uuid[]))
     ORDER BY x.kind, x.pr`,
    [unresolvedLedger, unresolvedOwner],
  );
  return {
    sourceAnomalies: {
      total: Number(counted[0]!.n),
      items: both.map((r) => ({ kind: r.kind, purchaseRequest: r.pr, purchaseRequestId: r.legacy, detail: r.detail })),
    },
    differences: oneSided.map((r) => ({
      check: 'ledger' as const,
      table: L.table,
      detail: `${r.kind} of purchase request ${r.pr}${r.legacy ? ` (${r.legacy})` : ''} only in ${r.mongo ? 'MongoDB' : 'PostgreSQL'}: ${r.mongo ?? r.postgres}`,
      keys: [{ purchase_request_id: r.pr, legacy_id: r.legacy }],
    })),
  };
}

// pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h).
const ROW = 1;
const BEFORE = 2;
const DELETE = 8;
const UPDATE = 16;
const TRUNCATE = 32;

/** The ledger must refuse row UPDATE and DELETE and statement TRUNCATE, with enabled triggers that raise. */
export async function checkLedgerTriggers(db: Queryable, schema: string): Promise<CheckDifference[]> {
  const { rows } = await db.query<{ name: string; type: number; raises: boolean }>(
    `SELECT t.tgname AS name, t.tgtype::int AS type, p.prosrc ~* 'raise\\s+exception' AS raises
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE c.relnamespace = $1::regnamespace AND c.relname = $2 AND NOT t.tgisinternal AND t.tgenabled <> 'D'`,
    [schema, L.table],
  );
  const refuses = (bit: number, row: boolean) =>
    rows.some((r) => r.raises && (r.type & BEFORE) !== 0 && (r.type & bit) !== 0 && ((r.type & ROW) !== 0) === row);
  const missing: CheckDifference[] = [];
  const say = (what: string) => missing.push({ check: 'ledger-trigger', table: L.table, detail: what });
  if (!refuses(UPDATE, true)) say(`no enabled BEFORE UPDATE row trigger refuses changes to ${L.table} (append-only ledger)`);
  if (!refuses(DELETE, true)) say(`no enabled BEFORE DELETE row trigger refuses deletes from ${L.table} (append-only ledger)`);
  if (!refuses(TRUNCATE, false)) say(`no enabled BEFORE TRUNCATE statement trigger on ${L.table}: TRUNCATE bypasses the row triggers (audit)`);
  return missing;
}
