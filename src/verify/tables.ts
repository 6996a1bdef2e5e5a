// What the verifier compares per mapping: the parent table and every child table,
// with the columns transformDocument() produces (typed as the sink stages them), the
// key, and the column that carries the root document's uuid.

import {
  allChildMappings,
  childSqlTypes,
  columnSqlTypes,
  type ColumnMapping,
  type ColumnSqlType,
  type Mapping,
} from '../transform/index.js';

export interface ComparedTable {
  /** Target table. */
  table: string;
  /** Temp table the chunk's transformed rows are COPYed into. */
  stage: string;
  columns: readonly ColumnSqlType[];
  key: readonly string[];
  /** Column holding the root document's uuid (the parent key, or its copy down the child chain). */
  root: string;
  /** Child tables: the index into transformDocument().children. */
  childIndex: number | null;
}

export interface MappingTables {
  mapping: Mapping;
  parent: ComparedTable;
  children: ComparedTable[];
}

/** Temp names stay under PostgreSQL's 63-byte identifier limit. */
const tempName = (prefix: string, table: string) => `${prefix}${table}`.slice(0, 63);

export function mappingTables(mapping: Mapping): MappingTables {
  const parent: ComparedTable = {
    table: mapping.table,
    stage: tempName('_tm_v_stage_', mapping.table),
    columns: columnSqlTypes(mapping),
    key: [mapping.key.column],
    root: mapping.key.column,
    childIndex: null,
  };
  const roots = new Map<string, { key: readonly string[]; root: string }>([[mapping.table, { key: parent.key, root: parent.root }]]);
  const children = allChildMappings(mapping).map((child, i) => {
    // A nested child's parentKey copies its parent's key column by column: the root
    // uuid sits where the parent's root column sits in the parent's key.
    const up = roots.get(child.parentTable)!;
    const root = child.parentKey[up.key.indexOf(up.root)]!;
    roots.set(child.table, { key: child.key, root });
    return {
      table: child.table,
      stage: tempName('_tm_v_cstage_', child.table),
      columns: childSqlTypes(child),
      key: child.key,
      root,
      childIndex: i,
    };
  });
  return { mapping, parent, children };
}

/** Columns kept for whole-table checks (sums, ledger, balances) once each document is compared. */
export function mirrorColumns(mapping: Mapping, extra: readonly string[]): ColumnSqlType[] {
  const all = columnSqlTypes(mapping);
  const wanted = new Set([mapping.key.column, ...(mapping.legacyIdColumn ? [mapping.legacyIdColumn] : []), ...extra]);
  for (const money of moneyColumns(mapping)) {
    wanted.add(money.column);
    const currency = currencyColumnFor(mapping, money.column);
    if (currency) wanted.add(currency);
  }
  return all.filter((c) => wanted.has(c.column));
}

export function moneyColumns(mapping: Mapping): ColumnMapping[] {
  return mapping.columns.filter((c) => c.type === 'money');
}

/**
 * The currency of a money column, by the naming the DDL uses: `budget` →
 * `budget_currency`, `price_amount` / `proposal_price` → `price_currency` /
 * `proposal_currency`, else the table's own `currency`; null when there is none.
 */
export function currencyColumnFor(mapping: Mapping, column: string): string | null {
  const names = new Set(mapping.columns.filter((c) => c.type === 'text' || c.type === 'enum').map((c) => c.column));
  const stem = column.replace(/_(amount|price)$/, '');
  const first = column.split('_')[0]!;
  for (const candidate of [`${column}_currency`, `${stem}_currency`, `${first}_currency`, 'currency']) {
    if (names.has(candidate)) return candidate;
  }
  return null;
}

export const isNumericType = (sqlType: string) => /^(numeric|integer|bigint)/.test(sqlType);
