// Public API of the transform stage: mappings in, PostgreSQL text rows out.

export { loadMappings, mappingFromYaml } from './mapping.js';
export type { Check, ColumnMapping, ColumnType, Mapping } from './mapping-types.js';
export { CHECKS, COLUMN_TYPES, MONEY_PRECISION, MONEY_SCALE } from './mapping-types.js';
export { transform } from './row.js';
export type { Row } from './row.js';
export { columnSqlTypes, sqlTypeOf } from './sql-types.js';
export type { ColumnSqlType } from './sql-types.js';
export { TIDEMARK_NAMESPACE, canonicalKey, legacyIdText, uuidFor, uuidV5 } from './identity.js';
export { checkPrecision, toPlainDecimal } from './decimal.js';
export { toTimestamptz } from './timestamp.js';
export { toUuidText } from './uuid-text.js';
