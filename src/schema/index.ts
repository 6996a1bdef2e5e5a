export { applyMigrations, ensureDatabase, loadMigrations, defaultMigrationsDir } from './migrations.js';
export type { Migration, ApplyResult } from './migrations.js';
