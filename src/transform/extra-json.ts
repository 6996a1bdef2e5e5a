// The `extra` column written straight from the document: what withoutPaths() leaves,
// as EJSON.stringify(rest, { relaxed: false }) would print it, without building `rest`
// or EJSON's intermediate tree (that pair was ~30 % of a medium payment's transform).
// Exact by construction for the values it knows (the ones BSON decoding gives:
// plain subdocuments and arrays, strings, booleans, null, numbers, Date, and this bson's
// ObjectId, Decimal128, Int32, Double, Long); anything else (another bson copy, Binary,
// Map, class instances, functions, cycles, ...) makes it answer undefined and the caller
// takes the old path, so output and rejections stay those of EJSON.stringify.

import { Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import { isPlainObject } from './bson-values.js';
import { decimal128Text, longText } from './bson-text.js';

/**
 * Leaf paths a mapping consumes, as a tree. A terminal is a column index (consumed only
 * when that column's value was present, null included) or ALWAYS (_id, a child's path).
 */
export interface PathNode {
  /** Paths ending at this node. */
  readonly here: number[];
  /** Paths ending strictly below this node. */
  readonly below: number[];
  readonly next: Map<string, PathNode>;
}

export const ALWAYS = -1;

export function pathTree(paths: ReadonlyArray<{ segments: readonly string[]; terminal: number }>): PathNode {
  const root: PathNode = { here: [], below: [], next: new Map() };
  for (const { segments, terminal } of paths) {
    // withoutPaths never matches an empty path (p[0] is undefined).
    if (segments.length === 0) continue;
    let node = root;
    segments.forEach((segment, i) => {
      let child = node.next.get(segment);
      if (child === undefined) {
        child = { here: [], below: [], next: new Map() };
        node.next.set(segment, child);
      }
      if (i < segments.length - 1) child.below.push(terminal);
      else child.here.push(terminal);
      node = child;
    });
  }
  return root;
}

function active(terminals: readonly number[], present: readonly boolean[]): boolean {
  for (const t of terminals) if (t === ALWAYS || present[t] === true) return true;
  return false;
}

/** Deeper than this is treated as a possible cycle: the old path reports it. */
const MAX_DEPTH = 200;

/**
 * EJSON.stringify(withoutPaths(obj, active paths), { relaxed: false }), or undefined
 * when a value is outside the known set (the caller then takes that old path itself).
 */
export function restJson(obj: Record<string, unknown>, node: PathNode, present: readonly boolean[]): string | undefined {
  return rest(obj, node, present, 0);
}

function rest(obj: Record<string, unknown>, node: PathNode, present: readonly boolean[], depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  let out = '';
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const sub = node.next.get(key);
    let text: string | undefined;
    if (sub !== undefined && active(sub.here, present)) continue; // consumed whole
    if (sub !== undefined && active(sub.below, present) && isPlainObject(value)) {
      text = rest(value, sub, present, depth + 1);
      if (text === undefined) return undefined;
      // A subdocument emptied by the removal disappears; an already empty one stays.
      if (text === '{}' && Object.keys(value).length > 0) continue;
    } else {
      text = ejson(value, depth + 1);
      if (text === undefined) return undefined;
    }
    out += out === '' ? `{${JSON.stringify(key)}:${text}` : `,${JSON.stringify(key)}:${text}`;
  }
  return out === '' ? '{}' : `${out}}`;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63 - 1;

/** Canonical Extended JSON of one value (bson's serializeValue + JSON.stringify), or undefined. */
export function ejson(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null'; // EJSON writes undefined as null unless ignoreUndefined
    case 'number':
      return numberJson(value);
    case 'bigint':
      return `{"$numberLong":"${BigInt.asIntN(64, value).toString()}"}`;
    case 'object':
      break;
    default:
      return undefined; // functions, symbols
  }
  if (value === null) return 'null';
  if (depth > MAX_DEPTH) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const doc = value as Record<string | symbol, unknown>;
    // Tagged (isMap, isDate by tag) or bson-typed objects go EJSON's other ways.
    if (doc[Symbol.toStringTag] !== undefined || doc._bsontype !== undefined || Array.isArray(value)) return undefined;
    let out = '';
    for (const key of Object.keys(doc)) {
      const text = ejson(doc[key], depth + 1);
      if (text === undefined) return undefined;
      out += out === '' ? `{${JSON.stringify(key)}:${text}` : `,${JSON.stringify(key)}:${text}`;
    }
    return out === '' ? '{}' : `${out}}`;
  }
  if (proto === Array.prototype && Array.isArray(value)) {
    const array = value as unknown[];
    if (array.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < array.length; i++) {
      const text = ejson(array[i], depth + 1);
      if (text === undefined) return undefined;
      out += i === 0 ? text : `,${text}`;
    }
    return `${out}]`;
  }
  if (proto === Date.prototype) return `{"$date":{"$numberLong":"${(value as Date).getTime().toString()}"}}`;
  if (proto === ObjectId.prototype) return `{"$oid":"${(value as ObjectId).toHexString()}"}`;
  if (proto === Decimal128.prototype) return `{"$numberDecimal":"${decimal128Text(value as Decimal128)}"}`;
  if (proto === Int32.prototype) return `{"$numberInt":"${(value as Int32).value.toString()}"}`;
  if (proto === Long.prototype) return `{"$numberLong":"${longText(value as Long)}"}`;
  if (proto === Double.prototype) {
    const n = (value as Double).value;
    if (Object.is(Math.sign(n), -0)) return '{"$numberDouble":"-0.0"}';
    return `{"$numberDouble":"${Number.isInteger(n) ? n.toFixed(1) : n.toString()}"}`;
  }
  return undefined;
}

function numberJson(n: number): string {
  if (Number.isInteger(n) && !Object.is(n, -0)) {
    if (n >= INT32_MIN && n <= INT32_MAX) return `{"$numberInt":"${n.toString()}"}`;
    if (n >= INT64_MIN && n <= INT64_MAX) return `{"$numberLong":"${n.toString()}"}`;
  }
  return `{"$numberDouble":"${Object.is(n, -0) ? '-0.0' : n.toString()}"}`;
}
