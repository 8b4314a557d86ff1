import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NUM, parseDecimalCell, scanDecimal, scanJsonNumber, skipJsonNumber } from '../../../runtime/sources/number-text.ts';

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Scan `text` followed by a terminator, as the readers do (a line end or a separator follows). */
function scanJson(text: string, f32: boolean): number | null {
  const b = Buffer.from(`${text},`, 'latin1');
  if (!scanJsonNumber(b, 0, text.length, f32) || NUM.end !== text.length) return null;
  return NUM.value;
}

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** Decimal texts in many shapes: long mantissas, leading zeros, exponents, signs. */
const numberText = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    digits(0, 22),
    fc.option(digits(0, 22), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 330 })), { nil: undefined }),
  )
  .map(([sign, int, frac, exp]) => `${sign}${int}${frac === undefined ? '' : `.${frac}`}${exp === undefined ? '' : `${exp[0]}${exp[1]}${exp[2]}`}`);

/** Texts of doubles and float32 values as JavaScript and Python print them (shortest round trip). */
const printedFloat = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.float({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.float({ noNaN: true, noDefaultInfinity: true }).map((f) => f.toPrecision(17)),
  fc.double({ min: -10, max: 10, noNaN: true }).map((d) => d.toFixed(6)),
);

/**
 * Texts right at float32 rounding midpoints (and one unit away in the last printed digit), where
 * rounding the decimal twice (to double, then to float32) is most fragile.
 */
const f32Midpoint = fc
  .tuple(fc.float({ min: Math.fround(1e-30), max: Math.fround(1e30), noNaN: true }), fc.integer({ min: 17, max: 24 }), fc.constantFrom(-1, 0, 1))
  .map(([f, precision, nudge]) => {
    const next = nextFloat32(f);
    const mid = (f + next) / 2; // exact in double: 25 significant bits
    const text = mid.toPrecision(precision);
    if (nudge === 0) return text;
    // change the last mantissa digit by ±1
    const [mant, exp] = text.split('e');
    const lastDigit = Number(mant[mant.length - 1]);
    const d = Math.min(9, Math.max(0, lastDigit + nudge));
    return `${mant.slice(0, -1)}${d}${exp === undefined ? '' : `e${exp}`}`;
  });

function nextFloat32(f: number): number {
  const a = new Float32Array([f]);
  const u = new Uint32Array(a.buffer);
  u[0] += f >= 0 ? 1 : -1;
  return a[0];
}

describe('scanJsonNumber', () => {
  it('accepts exactly the JSON number grammar and returns Number(text) exactly', () => {
    fc.assert(
      fc.property(fc.oneof(numberText, printedFloat), (text) => {
        const got = scanJson(text, false);
        if (!JSON_NUMBER.test(text)) {
          expect(got).toBeNull();
          return;
        }
        expect(got).not.toBeNull();
        expect(Object.is(got, Number(text))).toBe(true);
        expect(skipJsonNumber(Buffer.from(`${text}]`), 0, text.length)).toBe(text.length);
      }),
      { numRuns: 4000 },
    );
  });

  it('rounds to float32 exactly as Math.fround(Number(text))', () => {
    fc.assert(
      fc.property(fc.oneof(numberText, printedFloat, f32Midpoint), (text) => {
        if (!JSON_NUMBER.test(text)) return;
        const got = scanJson(text, true);
        expect(got).not.toBeNull();
        expect(Object.is(Math.fround(got!), Math.fround(Number(text)))).toBe(true);
      }),
      { numRuns: 6000 },
    );
  });

  it.each([
    ['0', 0],
    ['-0', -0],
    ['1', 1],
    ['-1.5', -1.5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['123456789012345678901234567890', 1.2345678901234568e29],
    ['0.1', 0.1],
    ['9007199254740993', 9007199254740992],
    ['1e400', Infinity],
    ['-1e400', -Infinity],
    ['1e-400', 0],
    ['2.2250738585072014e-308', 2.2250738585072014e-308],
    ['4.9e-324', 5e-324],
  ])('%s → %d', (text, value) => {
    expect(Object.is(scanJson(text, false), value)).toBe(true);
  });

  it.each(['01', '-', '1.', '.5', '+1', '1e', '1e+', 'NaN', 'Infinity', '--1', '0x10', ''])('rejects %j', (text) => {
    expect(scanJson(text, false)).toBeNull();
    expect(skipJsonNumber(Buffer.from(`${text}]`), 0, text.length) === text.length && text.length > 0).toBe(false);
  });

  it('never reads a number past the end it is given', () => {
    const b = Buffer.from('12345');
    expect(scanJsonNumber(b, 0, 3, false)).toBe(false);
    expect(skipJsonNumber(b, 0, 3)).toBe(-1);
  });
});

describe('parseDecimalCell', () => {
  it('accepts the decimal grammar Number() accepts, with the same value', () => {
    fc.assert(
      fc.property(fc.oneof(numberText, printedFloat, f32Midpoint), fc.constantFrom('', ' ', '\t '), fc.boolean(), (text, pad, f32) => {
        const cell = `${pad}${text}${pad}`;
        const b = Buffer.from(`${cell},`, 'latin1');
        const got = parseDecimalCell(b, 0, cell.length, f32);
        if (!DECIMAL.test(text)) {
          expect(Number.isNaN(got)).toBe(true);
          return;
        }
        if (f32) expect(Object.is(Math.fround(got), Math.fround(Number(text)))).toBe(true);
        else expect(Object.is(got, Number(text))).toBe(true);
      }),
      { numRuns: 4000 },
    );
  });

  it.each(['', '  ', 'abc', '1,5', '0x1F', '1_000', 'nan', 'inf', '1 2', '.'])('is NaN for %j', (cell) => {
    expect(parseDecimalCell(Buffer.from(`${cell},`), 0, cell.length, false)).toBeNaN();
  });

  it('keeps scanDecimal within its end', () => {
    expect(scanDecimal(Buffer.from('1.25'), 0, 2, false)).toBe(false);
  });
});
