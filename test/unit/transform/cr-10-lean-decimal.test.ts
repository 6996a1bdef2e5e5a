// CR-10: Decimal128 detection by constructor.name missed lean ({ $numberDecimal }) results.
import { describe, expect, it } from 'vitest';
import { Decimal128 } from 'bson';
import { toPlainDecimal, transform } from '../../../src/transform/index.js';
import { payment, paymentsMapping } from './fixtures.js';

describe('CR-10 lean $numberDecimal', () => {
  it('reads a lean { $numberDecimal } exactly like the Decimal128 instance', () => {
    expect(toPlainDecimal({ $numberDecimal: '1.23E+5' }, 'x')).toBe('123000');
    expect(toPlainDecimal({ $numberDecimal: '0.000000000000000001' }, 'x')).toBe('0.000000000000000001');
    expect(toPlainDecimal({ $numberDecimal: '1.23E+5' }, 'x')).toBe(toPlainDecimal(Decimal128.fromString('1.23E+5'), 'x'));
  });

  it('recognises Decimal128 by _bsontype, not by constructor name', () => {
    const foreign = { _bsontype: 'Decimal128', toString: () => '42.10' };
    expect(toPlainDecimal(foreign, 'x')).toBe('42.1');
  });

  it('gives the same row for a lean document and a BSON one', () => {
    const mapping = paymentsMapping();
    const fromBson = transform(mapping, payment());
    const fromLean = transform(mapping, payment({ amount: { $numberDecimal: '125.50' } }));
    expect(fromLean).toEqual(fromBson);
    expect(fromLean.amount).toBe('125.5');
  });
});
