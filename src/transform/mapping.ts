// Loading connectors/<collection>.yaml. A mapping that cannot load stops start-up
// with every problem listed: the old backfill fell back to a schema-less model,
// skipped every row and exited 0 (audit CR-5). There is no fallback here.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../ops/errors.js';
import type { Mapping } from './mapping-types.js';
import { validateMapping } from './mapping-validate.js';
import { allChildMappings } from './sql-types.js';

/**
 * Every `*.yaml` mapping in `dir`, or only those of `include` (each must exist).
 * Throws one ConfigError naming every bad file and field.
 */
export function loadMappings(dir: string, include: readonly string[] = []): Mapping[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    throw new ConfigError([`${dir}: cannot read the mapping folder: ${(err as Error).message}`], dir);
  }
  const problems: string[] = [];
  const wanted = new Set(include);
  const files = names.filter((n) => n.endsWith('.yaml') && (wanted.size === 0 || wanted.has(n.slice(0, -5))));
  for (const name of names) {
    if (name.endsWith('.yml') && (wanted.size === 0 || wanted.has(name.slice(0, -4)))) {
      problems.push(`${join(dir, name)}: rename to .yaml (a .yml file would be silently ignored)`);
    }
  }
  for (const collection of wanted) {
    if (!files.includes(`${collection}.yaml`)) {
      problems.push(`${join(dir, `${collection}.yaml`)}: missing: '${collection}' is included but has no mapping`);
    }
  }
  if (files.length === 0 && problems.length === 0) problems.push(`${dir}: no *.yaml mappings, nothing to replicate`);

  const mappings: Mapping[] = [];
  for (const name of files) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${file}: cannot read: ${(err as Error).message}`);
      continue;
    }
    const mapping = parseMapping(text, file, problems);
    if (mapping === undefined) continue;
    const expected = basename(name, '.yaml');
    if (mapping.collection !== expected) {
      problems.push(`${file}: collection: '${mapping.collection}' does not match the file name (expected '${expected}')`);
    }
    mappings.push(mapping);
  }
  problems.push(...tableProblems(mappings));
  if (problems.length > 0) throw new ConfigError(problems, dir);
  return mappings;
}

/** One mapping from YAML text (for tools and tests); `file` only labels messages. */
export function mappingFromYaml(text: string, file: string): Mapping {
  const problems: string[] = [];
  const mapping = parseMapping(text, file, problems);
  if (mapping !== undefined) problems.push(...tableProblems([mapping]));
  if (mapping === undefined || problems.length > 0) throw new ConfigError(problems, file);
  return mapping;
}

function parseMapping(text: string, file: string, problems: string[]): Mapping | undefined {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      problems.push(`${file}: cannot parse YAML: ${error.message.split('\n')[0] ?? error.code}`);
    }
    return undefined;
  }
  return validateMapping(doc.toJS(), file, problems);
}

/** Two mappings (or children, anywhere in the folder) writing one table would overwrite each other's rows. */
function tableProblems(mappings: readonly Mapping[]): string[] {
  const byTable = new Map<string, string>();
  const problems: string[] = [];
  for (const m of mappings) {
    const targets = [{ table: m.table, field: 'table' }, ...allChildMappings(m).map((c) => ({ table: c.table, field: `${c.field}.table` }))];
    for (const { table, field } of targets) {
      const other = byTable.get(table);
      if (other !== undefined) problems.push(`${m.file}: ${field}: '${table}' is already the target of ${other}`);
      else byTable.set(table, field === 'table' ? m.file : `${m.file} ${field}`);
    }
  }
  return problems;
}
