// Decimal128 and Long text without bson's digit-by-digit Long division (Decimal128's
// toString() was ~20 % of a medium payment's transform once the rest got cheaper).
// Same text as bson 7's Decimal128.prototype.toString() / Long.prototype.toString():
// the coefficient's digits come from a JS number when it is below 2^53, else from a
// bigint, and then go through bson's own formatting rules, copied below.

import type { Decimal128, Long } from 'bson';

const EXPONENT_BIAS = 6176;
const EXPONENT_MASK = 0x3fff;
const COMBINATION_MASK = 0x1f;
const COMBINATION_INFINITY = 30;
const COMBINATION_NAN = 31;
const TWO_32 = 4294967296;

/** Decimal128.prototype.toString() of bson 7, exactly. */
export function decimal128Text(value: Decimal128): string {
  const b = value.bytes;
  const low = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  const midl = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
  const midh = (b[8]! | (b[9]! << 8) | (b[10]! << 16) | (b[11]! << 24)) >>> 0;
  const high = b[12]! | (b[13]! << 8) | (b[14]! << 16) | (b[15]! << 24); // signed
  const sign = high < 0 ? '-' : '';
  const combination = (high >> 26) & COMBINATION_MASK;
  let biasedExponent: number;
  let significandMsb: number;
  if (combination >> 3 === 3) {
    if (combination === COMBINATION_INFINITY) return `${sign}Infinity`;
    if (combination === COMBINATION_NAN) return 'NaN';
    biasedExponent = (high >> 15) & EXPONENT_MASK;
    significandMsb = 0x08 + ((high >> 14) & 0x01);
  } else {
    significandMsb = (high >> 14) & 0x07;
    biasedExponent = (high >> 17) & EXPONENT_MASK;
  }
  const exponent = biasedExponent - EXPONENT_BIAS;
  const top = (high & 0x3fff) + ((significandMsb & 0xf) << 14);
  let digits: string;
  if (top === 0 && midh === 0 && midl < 0x200000) {
    digits = (midl * TWO_32 + low).toString(); // < 2^53: exact; "0" for zero
  } else {
    digits = ((BigInt(top) << 96n) | (BigInt(midh) << 64n) | (BigInt(midl) << 32n) | BigInt(low)).toString();
  }
  return sign + formatDecimal(digits, exponent);
}

/** bson's layout of coefficient digits (no leading zeros; "0" for zero) and exponent. */
function formatDecimal(digits: string, exponent: number): string {
  const count = digits.length;
  const scientificExponent = count - 1 + exponent;
  if (scientificExponent >= 34 || scientificExponent <= -7 || exponent > 0) {
    if (count > 34) {
      if (exponent > 0) return `0E+${exponent}`;
      return exponent < 0 ? `0E${exponent}` : '0';
    }
    const mantissa = count > 1 ? `${digits[0]!}.${digits.slice(1)}` : digits;
    return `${mantissa}E${scientificExponent > 0 ? '+' : ''}${scientificExponent}`;
  }
  if (exponent >= 0) return digits;
  const radix = count + exponent;
  if (radix > 0) return `${digits.slice(0, radix)}.${digits.slice(radix)}`;
  return `0.${'0'.repeat(-radix)}${digits}`;
}

/** Long.prototype.toString() (radix 10) of bson 7, exactly. */
export function longText(value: Long): string {
  const { high, low, unsigned } = value;
  if (!unsigned && high >= -0x200000 && high < 0x200000) {
    return (high * TWO_32 + (low >>> 0)).toString(); // |value| < 2^53: exact
  }
  const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  return (unsigned ? bits : BigInt.asIntN(64, bits)).toString();
}
