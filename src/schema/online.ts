// `schema apply --online`: the same migrations, run so a live database keeps
// serving. CREATE INDEX becomes CREATE INDEX CONCURRENTLY (outside the
// transaction, no SHARE lock on writes); ADD CONSTRAINT ... FOREIGN KEY / CHECK is
// added NOT VALID (brief lock, existing rows unchecked) and validated afterwards
// (SHARE UPDATE EXCLUSIVE: reads and writes go on). The audit's migrations did
// neither.

export interface OnlinePlan {
  /** Run in the migration's transaction. */
  transactional: string[];
  /** Run one by one after the commit, each in its own implicit transaction. */
  after: string[];
}

const CREATE_INDEX = /^CREATE\s+(UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY\b)/i;
const ADD_CONSTRAINT = /^ALTER\s+TABLE\s+(?:ONLY\s+)?([\w."]+)\s+ADD\s+CONSTRAINT\s+([\w"]+)\s+(FOREIGN\s+KEY|CHECK)\b/i;

export function onlinePlan(sql: string): OnlinePlan {
  const plan: OnlinePlan = { transactional: [], after: [] };
  for (const statement of splitStatements(sql)) {
    const index = CREATE_INDEX.exec(statement);
    if (index) {
      plan.after.push(statement.replace(CREATE_INDEX, (m) => `${m}CONCURRENTLY `));
      continue;
    }
    const constraint = ADD_CONSTRAINT.exec(statement);
    if (constraint && !/\bNOT\s+VALID\s*$/i.test(statement)) {
      plan.transactional.push(`${statement} NOT VALID`);
      plan.after.push(`ALTER TABLE ${constraint[1]} VALIDATE CONSTRAINT ${constraint[2]}`);
      continue;
    }
    plan.transactional.push(statement);
  }
  return plan;
}

/**
 * Splits SQL into statements at top-level semicolons, aware of quotes, comments
 * and dollar-quoted bodies (trigger functions). Comments are dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      current += ' ';
    } else if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      current += ' ';
    } else if (dollar) {
      const end = sql.indexOf(dollar[0], i + dollar[0].length);
      const stop = end === -1 ? sql.length : end + dollar[0].length;
      current += sql.slice(i, stop);
      i = stop;
    } else if (sql[i] === "'" || sql[i] === '"') {
      const quote = sql[i]!;
      let j = i + 1;
      while (j < sql.length && !(sql[j] === quote && sql[j + 1] !== quote)) j += sql[j] === quote ? 2 : 1;
      current += sql.slice(i, j + 1);
      i = j + 1;
    } else if (sql[i] === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
      i += 1;
    } else {
      current += sql[i];
      i += 1;
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

const INDEX_NAME = /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w"]+)/i;

/** The index a CREATE INDEX CONCURRENTLY builds (an interrupted build leaves it INVALID, to be dropped first). */
export function concurrentIndexName(statement: string): string | undefined {
  return INDEX_NAME.exec(statement)?.[1]?.replace(/"/g, '');
}
