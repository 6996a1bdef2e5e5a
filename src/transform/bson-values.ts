// Recognising BSON values. Documents reach the transform as bson class instances
// (from the Kafka BSON payload) or as lean Extended-JSON objects such as
// { $numberDecimal: "1.5" } (mongoose .lean(), JSON round trips). The old shadow
// reader checked `constructor.name === 'Decimal128'` and missed the lean form
// (audit CR-10), so we look at `_bsontype` (works across bson copies) and at
// one-key `$`-wrappers, never at constructor names.

/** The `_bsontype` tag of a bson class instance ('Decimal128', 'Long', 'ObjectId', ...). */
export function bsonTypeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** A subdocument: an ordinary object, not an array, Date or bson value. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (bsonTypeOf(value) !== undefined) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The payload of a one-key Extended-JSON wrapper like { $numberLong: "5" }, else undefined. */
export function ejsonWrapped(value: unknown, key: `$${string}`): unknown {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === key ? value[key] : undefined;
}

/** The JS number inside a bson Int32 / Double wrapper or a lean $numberInt / $numberDouble. */
export function wrappedNumber(value: unknown): number | undefined {
  const tag = bsonTypeOf(value);
  if (tag === 'Int32' || tag === 'Double') {
    return Number((value as { valueOf(): unknown }).valueOf());
  }
  for (const key of ['$numberInt', '$numberDouble'] as const) {
    const text = ejsonWrapped(value, key);
    if (typeof text === 'string') return Number(text);
  }
  return undefined;
}

/** Short, type-revealing description for rejection reasons ("JS number 1.5", "a string \"abc\""). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `a string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number') return `JS number ${String(value)}`;
  if (typeof value === 'bigint') return `bigint ${value.toString()}`;
  if (typeof value === 'boolean') return `boolean ${String(value)}`;
  if (value instanceof Date) return `Date ${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const tag = bsonTypeOf(value);
  if (tag === 'Binary') return `Binary(subtype ${String((value as { sub_type?: unknown }).sub_type)})`;
  if (tag !== undefined) return `${tag}(${String(value)})`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const key = keys[0];
    if (keys.length === 1 && key !== undefined && key.startsWith('$')) return `{ ${key}: ${JSON.stringify(value[key])} }`;
    return 'a subdocument';
  }
  return typeof value;
}
