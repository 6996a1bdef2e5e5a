export { applyMigrations, ensureDatabase, loadMigrations, defaultMigrationsDir } from './migrations.js';
export type { Migration, ApplyResult } from './migrations.js';
export { checkTargetTables, tableShapes, targetProblems } from './target-check.js';
export type { TableShape } from './target-check.js';
