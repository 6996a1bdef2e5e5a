// Public API of the transform stage: mappings in, PostgreSQL text rows out.

export { loadMappings, mappingFromYaml } from './mapping.js';
export type { Check, ChildMapping, ColumnMapping, ColumnType, Mapping } from './mapping-types.js';
export { CHECKS, CHILD_SHAPES, COLUMN_TYPES, MONEY_PRECISION, MONEY_SCALE, VALUE_PATH } from './mapping-types.js';
export { transform, transformDocument } from './row.js';
export type { ChildRows, Row, Transformed } from './row.js';
export { allChildMappings, childSqlTypes, columnSqlTypes, sqlTypeOf } from './sql-types.js';
export type { ColumnSqlType, PlacedChild } from './sql-types.js';
export { TIDEMARK_NAMESPACE, canonicalKey, legacyIdText, uuidFor, uuidV5 } from './identity.js';
export { checkPrecision, toPlainDecimal } from './decimal.js';
export { toTimestamptz } from './timestamp.js';
export { toUuidText } from './uuid-text.js';
