// Dotted paths into subdocuments ("metadata.isTemplateCheckout"). Arrays are
// leaves: embedded arrays belong in child tables, not in positional paths.

import { isPlainObject } from './bson-values.js';

export type PathValue =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'null' }
  | { readonly kind: 'missing' }
  /** An intermediate field holds a scalar/array where the path needs a subdocument. */
  | { readonly kind: 'blocked'; readonly at: string; readonly value: unknown };

/**
 * Read a path; no segments reads `root` itself (a child column's `$value`). A missing
 * or null intermediate subdocument reads as missing.
 */
export function readPath(root: unknown, segments: readonly string[]): PathValue {
  let current = root;
  for (let i = 0; i < segments.length; i++) {
    if (current === undefined || current === null) return { kind: 'missing' };
    if (!isPlainObject(current)) return { kind: 'blocked', at: segments.slice(0, i).join('.'), value: current };
    const key = segments[i] as string;
    current = Object.hasOwn(current, key) ? current[key] : undefined;
  }
  if (current === undefined) return { kind: 'missing' };
  return current === null ? { kind: 'null' } : { kind: 'value', value: current };
}

/**
 * A copy of `doc` without the given leaf paths: exactly what the columns did not
 * consume. A subdocument emptied by the removal disappears; one that was already
 * empty, or whose mapped leaves were absent, stays as it was.
 */
export function withoutPaths(
  doc: Record<string, unknown>,
  paths: ReadonlyArray<readonly string[]>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    const below = paths.filter((p) => p[0] === key);
    if (below.some((p) => p.length === 1)) continue; // consumed whole
    if (below.length > 0 && isPlainObject(value)) {
      const rest = withoutPaths(value, below.map((p) => p.slice(1)));
      const emptied = Object.keys(rest).length === 0 && Object.keys(value).length > 0;
      if (!emptied) setOwn(out, key, rest);
    } else {
      setOwn(out, key, value);
    }
  }
  return out;
}

/** Assignment that is safe for a field literally named "__proto__". */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
