// The in-memory form of a connectors/<collection>.yaml mapping (format: README.md).

export const COLUMN_TYPES = [
  'text', 'int', 'bigint', 'money', 'decimal', 'boolean', 'timestamptz', 'uuid', 'ref', 'enum', 'jsonb',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const CHECKS = ['positive', 'nonnegative'] as const;
export type Check = (typeof CHECKS)[number];

/** Types a `check` applies to. */
export const NUMERIC_TYPES: ReadonlySet<ColumnType> = new Set(['int', 'bigint', 'money', 'decimal']);

export interface ColumnMapping {
  readonly column: string;
  /** Dotted source path as written in the file. */
  readonly path: string;
  readonly segments: readonly string[];
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly check?: Check;
  /** enum: source value → target value. */
  readonly values?: ReadonlyMap<string, string>;
  /** ref: the referenced collection, whose uuidFor() the value becomes. */
  readonly references?: string;
  /** ref: a 24-hex string is read as the ObjectId it spells. */
  readonly acceptHexString?: boolean;
  /** decimal only; money is always numeric(38,18). */
  readonly precision?: number;
  readonly scale?: number;
}

export interface Mapping {
  /** File the mapping was loaded from, for messages. */
  readonly file: string;
  readonly collection: string;
  readonly table: string;
  /** uuid primary key column, value uuidFor(collection, _id). */
  readonly key: { readonly column: string };
  /** Optional text column holding legacyIdText(_id). */
  readonly legacyIdColumn?: string;
  /** jsonb column receiving every unmapped field. */
  readonly extra: string;
  readonly columns: readonly ColumnMapping[];
  /** Embedded arrays / subdocuments written to child tables ([] when the file has none). */
  readonly children: readonly ChildMapping[];
}

export const CHILD_SHAPES = ['array', 'object'] as const;

/** A child column path meaning "the array element itself" (scalar arrays); its segments are []. */
export const VALUE_PATH = '$value';

/**
 * An embedded array (one row per element) or subdocument (one row if present) written
 * to its own table; the rows are keyed by the parent row's key values (README.md).
 */
export interface ChildMapping {
  readonly table: string;
  /** Dotted path in the parent document / element, as written; consumed whole. */
  readonly path: string;
  readonly segments: readonly string[];
  readonly shape: (typeof CHILD_SHAPES)[number];
  /** Columns holding the parent row's key values, in the parent's key order. */
  readonly parentKey: readonly string[];
  /** arrays only: integer column = 0-based index in the array. */
  readonly position?: string;
  /** Primary key columns: default [...parentKey, position] / [...parentKey]. */
  readonly key: readonly string[];
  /** Optional jsonb column for the element's unmapped fields; without it they are rejected. */
  readonly extra?: string;
  readonly columns: readonly ColumnMapping[];
  readonly children: readonly ChildMapping[];
}

/** money precision: the project-wide numeric(38,18) (audit: seller_offers' 18,8 was a gap). */
export const MONEY_PRECISION = 38;
export const MONEY_SCALE = 18;
