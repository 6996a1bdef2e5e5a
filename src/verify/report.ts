// The verifier's report: one JSON document (--json, stored in tidemark_verifications)
// and the source of the human summary. Every difference names its exact key.

/** 0 clean, 1 differences, 2 could not verify (unreachable, timeout, in flight). */
export type ExitCode = 0 | 1 | 2;

export type Status = 'clean' | 'differences' | 'in-flight' | 'could-not-verify';

/** One column whose values differ; values are PostgreSQL text (numerics without trailing zeros, times in UTC). */
export interface FieldDiff {
  column: string;
  mongo: string | null;
  postgres: string | null;
}

/** One child row that differs, named by its child-table key. */
export interface ChildRowDiff {
  key: Record<string, string>;
  change: 'missing' | 'extra' | 'fields';
  fields?: FieldDiff[];
}

/** What is wrong with one document (or one target row) of a collection. */
export type Problem =
  | { kind: 'missing-row' }
  | { kind: 'extra-row' }
  | { kind: 'fields'; fields: FieldDiff[] }
  | { kind: 'child-rows'; table: string; rows: ChildRowDiff[] }
  | { kind: 'id-map'; expected: string; found: string | null }
  | { kind: 'rejected'; reason: string };

/** A document whose MongoDB and PostgreSQL forms disagree, with what is known about why. */
export interface KeyReport {
  collection: string;
  table: string;
  /** The target primary key (uuid). */
  key: string;
  /** The MongoDB _id as canonical Extended JSON; null for a target row whose source id is unknown. */
  id: string | null;
  problems: Problem[];
  /** A difference of its own kind: the mapping rejects it and no dead letter holds it, or it is parked too long. */
  note?: string;
}

/** A check beyond single documents: foreign keys, ledger, sums, schema. */
export interface CheckDifference {
  check: 'schema' | 'foreign-key' | 'ledger-trigger' | 'ledger' | 'money-sum' | 'points-balance';
  table: string;
  detail: string;
  /** Exact keys involved (row keys, user ids, purchase request ids), when there are any. */
  keys?: Array<Record<string, string | null>>;
}

export interface Listed<T> {
  total: number;
  /** The first `verify.maxListed` items; `total` is always exact. */
  items: T[];
}

export interface Rejection {
  key: string;
  id: string | null;
  reason: string;
}

export interface ParkedKey {
  key: string;
  id: string | null;
  reason: string;
  parkedAt: string;
  expired: boolean;
}

export interface MoneySum {
  table: string;
  column: string;
  /** Grouping column and value; null when the table has no currency column. */
  currencyColumn: string | null;
  currency: string | null;
  mongo: string | null;
  postgres: string | null;
  equal: boolean;
}

export interface UnmappedEnum {
  table: string;
  column: string;
  value: string;
  documents: number;
  exampleId: string;
}

export interface CollectionLagView {
  recordsBehind: number;
  appliedClusterTime: string | null;
  sourcePhase: string | null;
}

export interface CollectionReport {
  collection: string;
  table: string;
  counts: {
    /** countDocuments({}) right before the scan (exact, not an estimate). */
    countDocuments: number;
    /** Documents the scan read (differs from countDocuments only if documents changed meanwhile). */
    scanned: number;
    /** Documents the mapping (or PostgreSQL) rejected, each found on the dead-letter topic. */
    rejected: number;
    /** Rows PostgreSQL holds for this collection's table at the end (count(*)). */
    postgresRows: number;
    /** Documents equal in both stores once differences in flight settled. */
    equal: number;
    parked: number;
    inFlight: number;
    differences: number;
  };
  lag: CollectionLagView;
  differences: Listed<KeyReport>;
  inFlight: Listed<KeyReport>;
  parked: Listed<ParkedKey>;
  rejected: Listed<Rejection>;
  /** Documents found different at first and equal once the sink caught up. */
  resolved: number;
  /** Set when the table's shape differs from the mapping: documents were not compared. */
  notCompared?: string;
}

export interface LedgerAnomaly {
  kind: 'double-refund' | 'escrow-state';
  purchaseRequest: string;
  purchaseRequestId: string | null;
  detail: string;
}

export interface Report {
  version: 1;
  status: Status;
  exitCode: ExitCode;
  /** Total differences (documents plus other checks); the gate reads this. */
  differences: number;
  inFlight: number;
  startedAt: string;
  finishedAt: string;
  settleTimeoutMs: number;
  collections: CollectionReport[];
  checks: {
    schema: CheckDifference[];
    foreignKeys: { checked: number; violations: CheckDifference[] };
    ledger: {
      ran: boolean;
      why?: string;
      triggers: CheckDifference[];
      /** Found in MongoDB and PostgreSQL alike: the source data's own problems, not replication's. */
      sourceAnomalies: Listed<LedgerAnomaly>;
      differences: CheckDifference[];
    };
    moneySums: MoneySum[];
    moneySumDifferences: CheckDifference[];
    pointsBalances: { ran: boolean; users: number; differences: CheckDifference[] };
    enums: { unmapped: UnmappedEnum[] };
    timestamps: { columns: number; note: string };
  };
  /** Why verification could not be completed (status could-not-verify). */
  error?: string;
}

export function exitCodeOf(status: Status): ExitCode {
  return status === 'clean' ? 0 : status === 'differences' ? 1 : 2;
}
