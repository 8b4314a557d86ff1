/**
 * Exact sums: the value is the exact sum of the values added, correctly rounded — checked against
 * BigInt arithmetic — and so does not depend on their order, on batching, or on merging partial sums.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExactSums, verbatimStates } from '../../../stdlib/metrics/exact-sum.ts';

/** Doubles whose bits are all at or above 2^-200 and below 2^200: exact integers after scaling by 2^200. */
const value = fc
  .tuple(fc.double({ min: 1, max: 2, noNaN: true, maxExcluded: true }), fc.integer({ min: -140, max: 140 }), fc.boolean())
  .map(([m, e, neg]) => (neg ? -1 : 1) * m * 2 ** e);
const SCALE = 2 ** 200;

/** The exact sum, correctly rounded (BigInt → Number rounds to nearest, ties to even). */
function reference(xs: readonly number[]): number {
  let s = 0n;
  for (const x of xs) s += BigInt(x * SCALE);
  return Number(s) / SCALE;
}

function sumOf(xs: readonly number[]): number {
  const e = new ExactSums(1);
  e.addColumn(0, Float64Array.from(xs), 0, xs.length);
  return e.value(0);
}

describe('ExactSums', () => {
  it('is the correctly rounded exact sum', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), (xs) => {
        expect(Object.is(sumOf(xs), reference(xs) + 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('cancels exactly and rounds ties to even, as math.fsum', () => {
    expect(sumOf([1e100, 1, -1e100])).toBe(1);
    expect(sumOf(Array(10).fill(0.1))).toBe(1);
    expect(sumOf([1, 1e-16])).toBe(1); // below half an ulp
    expect(sumOf([1, 2 ** -53])).toBe(1); // a tie: to even
    expect(sumOf([1, 2 ** -53, 2 ** -80])).toBe(1 + 2 ** -52); // just above the tie
    expect(sumOf([1 + 2 ** -52, 2 ** -53])).toBe(1 + 2 ** -51); // a tie from odd: up
    expect(sumOf([])).toBe(0);
    expect(Number.isFinite(sumOf([2 ** 1023, 2 ** 1023, -(2 ** 1023)]))).toBe(false); // the running sum overflows (Python raises)
    expect(sumOf([1, Infinity, 2])).toBe(Infinity);
    expect(sumOf([Infinity, -Infinity])).toBeNaN();
    expect(sumOf([1, NaN])).toBeNaN();
  });

  it('gives the same bits in any order, batching and merge', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (xs, parts, seed) => {
        const one = sumOf(xs);
        // Shuffle, split into parts, sum each part in batches, merge the parts in reverse.
        const ys = [...xs];
        let s = seed >>> 0;
        for (let i = ys.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const j = s % (i + 1);
          [ys[i], ys[j]] = [ys[j]!, ys[i]!];
        }
        const banks = Array.from({ length: parts }, () => new ExactSums(1));
        ys.forEach((y, i) => banks[i % parts]!.add(0, y));
        const merged = new ExactSums(1);
        for (const b of banks.reverse()) merged.merge(ExactSums.fromState(1, JSON.parse(JSON.stringify(b.toState()))));
        expect(Object.is(merged.value(0), one)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('sums products exactly (two-products), and the co-moment from exact sums', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { maxLength: 60 }), (xy) => {
        const a = Float64Array.from(xy.map((p) => p[0])),
          b = Float64Array.from(xy.map((p) => p[1]));
        const e = new ExactSums(1);
        e.addProducts(0, a, 0, b, 0, null, xy.length);
        // Products scale by 2^400: exact BigInt products of the 2^200-scaled values.
        let s = 0n;
        for (const [x, y] of xy) s += BigInt(x * SCALE) * BigInt(y * SCALE);
        expect(Object.is(e.value(0), Number(s) / SCALE / SCALE + 0)).toBe(true);
      }),
      { numRuns: 200 },
    );
    // Mean 1e6, spread 1: n·Σx² − (Σx)² formed exactly, nothing cancels away.
    const n = 10_000;
    const x = Float64Array.from({ length: n }, (_, i) => 1e6 + Math.sin(i));
    const e = new ExactSums(2);
    e.addColumn(0, x, 0, n);
    e.addProducts(1, x, 0, x, 0, null, n);
    let mean = 0;
    for (const v of x) mean += v;
    mean /= n;
    let m2 = 0;
    for (const v of x) m2 += (v - mean) * (v - mean);
    expect(Math.abs(e.comoment(n, 1, 0, 0) - m2) / m2).toBeLessThan(1e-9);
    const c = new ExactSums(2);
    c.addColumn(0, new Float64Array(5).fill(1e6 + 0.1), 0, 5);
    c.addProducts(1, new Float64Array(5).fill(1e6 + 0.1), 0, new Float64Array(5).fill(1e6 + 0.1), 0, null, 5);
    expect(c.comoment(5, 1, 0, 0)).toBe(0); // constant: exactly zero, never negative
  });

  it('stays exact past many flushes of its exponent bins (600,000 values of one exponent, and products)', () => {
    const rnd = (() => {
      let s = 3;
      return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    })();
    // Values in [1, 2) with full 52-bit mantissas, mixed signs: every addition to the bin rounds.
    const xs = Float64Array.from({ length: 600_000 }, () => (rnd() < 0.5 ? -1 : 1) * (1 + rnd() + rnd() * 2 ** -32));
    const e = new ExactSums(2);
    for (let at = 0; at < xs.length; at += 70_000) e.addColumn(0, xs, at, Math.min(70_000, xs.length - at));
    e.addProducts(1, xs, 0, xs, 0, null, xs.length);
    let s = 0n,
      q = 0n;
    for (const x of xs) {
      const b = BigInt(x * 2 ** 60);
      s += b;
      q += b * b;
    }
    expect(e.value(0)).toBe(Number(s) / 2 ** 60);
    expect(e.value(1)).toBe(Number(q) / 2 ** 120);
  });

  it('refuses a malformed state', () => {
    const e = new ExactSums(2);
    e.add(0, 1.5);
    const st = e.toState();
    expect(() => ExactSums.fromState(3, st)).toThrow(/channels/);
    expect(() => ExactSums.fromState(2, { ...st, partials: new ExactSums(1).toState().partials })).toThrow(/partials/);
  });
});

describe('verbatimStates', () => {
  it('restores partials as they were, where re-inserting may merge them; the value is the same either way', () => {
    // Values of spread magnitudes whose expansion, re-inserted, can take fewer partials.
    let found = false;
    for (let seed = 1; seed < 200 && !found; seed++) {
      const e = new ExactSums(1);
      let s = seed;
      for (let i = 0; i < 50; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        e.add(0, ((s / 2 ** 32 - 0.5) * 2 ** ((s >>> 3) % 90)) / 3);
      }
      const st = e.toState();
      const kept = verbatimStates(() => ExactSums.fromState(1, st));
      expect(kept.toState()).toEqual(st);
      const reinserted = ExactSums.fromState(1, st);
      expect(reinserted.value(0)).toBe(e.value(0));
      found = JSON.stringify(reinserted.toState()) !== JSON.stringify(st);
    }
    expect(found).toBe(true);
  });
});
