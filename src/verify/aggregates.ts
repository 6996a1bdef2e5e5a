// Money sums per table, money column and currency, and per-user points balances,
// MongoDB side against PostgreSQL side. Both are summed by PostgreSQL as numeric over
// the mirrors (exact decimals; Decimal128 and lean { $numberDecimal } alike, since both
// went through the same mapping), each key observed once on each side at the same
// moment. A disagreement is a difference only when no key of the table is still in
// flight, parked or different: those are reported already and explain it.

import pg from 'pg';
import type { Mapping } from '../transform/index.js';
import type { Mirror, Queryable } from './mirror.js';
import type { CheckDifference, MoneySum } from './report.js';
import { POINTS } from './rules.js';
import { currencyColumnFor, moneyColumns } from './tables.js';

const ident = (name: string) => pg.escapeIdentifier(name);

export async function moneySums(
  db: Queryable,
  mapping: Mapping,
  mirror: Mirror,
  unresolved: number,
): Promise<{ sums: MoneySum[]; differences: CheckDifference[] }> {
  const sums: MoneySum[] = [];
  const differences: CheckDifference[] = [];
  for (const money of moneyColumns(mapping)) {
    const currency = currencyColumnFor(mapping, money.column);
    const group = currency ? ident(currency) : 'NULL::text';
    // One GROUP BY over both sides: it groups NULL currencies together, a join could not.
    const side = (name: string, table: string) => `SELECT '${name}' AS side, ${group} AS grp, ${ident(money.column)} AS v FROM ${ident(table)}`;
    const { rows } = await db.query<{ grp: string | null; mongo: string | null; postgres: string | null; equal: boolean }>(
      `SELECT grp, trim_scale(mongo)::text AS mongo, trim_scale(postgres)::text AS postgres, mongo IS NOT DISTINCT FROM postgres AS equal
       FROM (SELECT grp, sum(v) FILTER (WHERE side = 'm') AS mongo, sum(v) FILTER (WHERE side = 'p') AS postgres
             FROM (${side('m', mirror.src)} UNION ALL ${side('p', mirror.dst)}) x GROUP BY grp) g ORDER BY grp`,
    );
    for (const r of rows) {
      const sum: MoneySum = { table: mapping.table, column: money.column, currencyColumn: currency, currency: r.grp, mongo: r.mongo, postgres: r.postgres, equal: r.equal };
      sums.push(sum);
      if (!r.equal && unresolved === 0) {
        differences.push({
          check: 'money-sum',
          table: mapping.table,
          detail: `sum(${money.column})${currency ? ` for ${currency} ${r.grp ?? 'NULL'}` : ''}: MongoDB ${r.mongo ?? 'none'}, PostgreSQL ${r.postgres ?? 'none'}`,
        });
      }
    }
  }
  return { sums, differences };
}

/**
 * Each user's points balance (sum of their point transactions) on both sides; users
 * whose transactions include an unsettled key are left to those keys' reports.
 */
export async function pointsBalances(
  db: Queryable,
  mirror: Mirror,
  unresolved: readonly string[],
  maxListed: number,
): Promise<{ users: number; differences: CheckDifference[] }> {
  const user = ident(POINTS.user);
  const points = ident(POINTS.points);
  const side = (table: string) => `SELECT ${user} AS u, sum(${points}) AS total FROM ${ident(table)} GROUP BY 1`;
  const key = ident(mirror.key);
  const differing = `FROM (${side(mirror.src)}) s FULL JOIN (${side(mirror.dst)}) d ON s.u = d.u
     WHERE s.total IS DISTINCT FROM d.total
       AND coalesce(s.u, d.u) NOT IN (SELECT ${user} FROM ${ident(mirror.src)} WHERE ${key} = ANY($1::uuid[])
                                      UNION SELECT ${user} FROM ${ident(mirror.dst)} WHERE ${key} = ANY($1::uuid[]))`;
  const { rows: users } = await db.query<{ n: string }>(`SELECT count(DISTINCT ${user})::text AS n FROM ${ident(mirror.src)}`);
  const { rows: counted } = await db.query<{ n: string }>(`SELECT count(*)::text AS n ${differing}`, [unresolved]);
  const total = Number(counted[0]!.n);
  if (total === 0) return { users: Number(users[0]!.n), differences: [] };
  const { rows } = await db.query<{ u: string; mongo: string | null; postgres: string | null }>(
    `SELECT coalesce(s.u, d.u)::text AS u, trim_scale(s.total)::text AS mongo, trim_scale(d.total)::text AS postgres ${differing} ORDER BY 1 LIMIT ${maxListed}`,
    [unresolved],
  );
  return {
    users: Number(users[0]!.n),
    differences: [
      {
        check: 'points-balance',
        table: POINTS.table,
        detail: `${total} user(s) whose points balance (sum of ${POINTS.table}.${POINTS.points}) differs`,
        keys: rows.map((r) => ({ user_id: r.u, mongo: r.mongo, postgres: r.postgres })),
      },
    ],
  };
}
