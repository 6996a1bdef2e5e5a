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
}

/** money precision: the project-wide numeric(38,18) (audit: seller_offers' 18,8 was a gap). */
export const MONEY_PRECISION = 38;
export const MONEY_SCALE = 18;
