/**
 * Spearman, KS and PSI against brute-force definitions, and their weighted forms against repeated rows.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rankColumn } from '../../../stdlib/metrics/ranking.ts';
import { ksStatistic, psi, PSI_MIN_FRACTION, spearman } from '../../../stdlib/metrics/rank-pair-metrics.ts';
import type { Outcome } from '../../../stdlib/metrics/metric-value.ts';
import { close } from './support/golden.ts';

function avgRanks(x: number[]): number[] {
  return x.map((v) => x.filter((u) => u < v).length + (x.filter((u) => u === v).length + 1) / 2);
}
function pearson(a: number[], b: number[]): number {
  const n = a.length,
    ma = a.reduce((s, v) => s + v, 0) / n,
    mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
function bruteKs(c: number[], t: number[]): number {
  let d = 0;
  for (const x of [...c, ...t]) d = Math.max(d, Math.abs(c.filter((v) => v <= x).length - t.filter((v) => v <= x).length) / c.length);
  return d;
}
function brutePsi(c: number[], t: number[]): number {
  const n = c.length;
  const sorted = [...c].sort((a, b) => a - b);
  // Edge i: the smallest control value whose ECDF reaches i/10.
  const edges = Array.from({ length: 9 }, (_, i) => sorted.find((v) => sorted.filter((u) => u <= v).length * 10 >= (i + 1) * n)!);
  const bin = (x: number): number => edges.filter((e) => e < x).length;
  let s = 0;
  for (let b = 0; b < 10; b++) {
    const pc = Math.max(c.filter((x) => bin(x) === b).length / n, PSI_MIN_FRACTION);
    const pt = Math.max(t.filter((x) => bin(x) === b).length / n, PSI_MIN_FRACTION);
    s += (pt - pc) * Math.log(pt / pc);
  }
  return s;
}

const value = fc.oneof(
  fc.integer({ min: 0, max: 6 }).map((k) => k / 6),
  fc.double({ min: -2, max: 2, noNaN: true }),
);
const pairs = fc.array(fc.tuple(value, value), { minLength: 2, maxLength: 60 });

function rank(xs: number[]) {
  return rankColumn(
    Float64Array.from(xs, (x) => x + 0),
    1,
    0,
    null,
    xs.length,
  );
}
function num(o: Outcome): number {
  if (typeof o !== 'number') throw new Error(o.reason);
  return o;
}

describe('pair ranking metrics vs brute force (fast-check)', () => {
  it('spearman', () => {
    fc.assert(
      fc.property(pairs, (ps) => {
        const c = ps.map((p) => p[0] + 0),
          t = ps.map((p) => p[1] + 0);
        const got = spearman(rank(c), rank(t), null, new Float64Array(c.length), new Float64Array(c.length));
        const rc = avgRanks(c),
          rt = avgRanks(t);
        if (new Set(c).size === 1 || new Set(t).size === 1) {
          expect(typeof got).toBe('object');
          return;
        }
        expect(close(num(got), pearson(rc, rt), 1e-12) || Math.abs(num(got) - pearson(rc, rt)) < 1e-14).toBe(true);
      }),
    );
  });

  it('ks', () => {
    fc.assert(
      fc.property(pairs, (ps) => {
        const c = ps.map((p) => p[0] + 0),
          t = ps.map((p) => p[1] + 0);
        expect(num(ksStatistic(rank(c), rank(t), null))).toBe(bruteKs(c, t));
      }),
    );
  });

  it('psi', () => {
    fc.assert(
      fc.property(pairs, (ps) => {
        const c = ps.map((p) => p[0] + 0),
          t = ps.map((p) => p[1] + 0);
        const got = num(psi(rank(c), rank(t), null));
        const want = brutePsi(c, t);
        expect(close(got, want, 1e-12) || Math.abs(got - want) < 1e-15, `${got} vs ${want}`).toBe(true);
      }),
    );
  });

  it('weights act as repeated rows', () => {
    fc.assert(
      fc.property(pairs, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 60, maxLength: 60 }), (ps, ws) => {
        const c = ps.map((p) => p[0] + 0),
          t = ps.map((p) => p[1] + 0);
        const w = Uint8Array.from(c, (_, i) => ws[i]!);
        const rc = rank(c),
          rt = rank(t);
        const ec: number[] = [],
          et: number[] = [];
        c.forEach((x, i) => {
          for (let k = 0; k < w[i]!; k++) {
            ec.push(x);
            et.push(t[i]!);
          }
        });
        const n = c.length;
        if (ec.length === 0) {
          expect(ksStatistic(rc, rt, w)).toEqual({ reason: 'no rows' });
          return;
        }
        const same = (a: Outcome, b: Outcome): void => {
          if (typeof a !== 'number' || typeof b !== 'number') {
            expect(typeof a).toBe(typeof b);
            return;
          }
          expect(close(a, b, 1e-12) || Math.abs(a - b) < 1e-14, `${a} vs ${b}`).toBe(true);
        };
        const erc = rank(ec),
          ert = rank(et);
        same(ksStatistic(rc, rt, w), ksStatistic(erc, ert, null));
        same(psi(rc, rt, w), psi(erc, ert, null));
        same(
          spearman(rc, rt, w, new Float64Array(n), new Float64Array(n)),
          spearman(erc, ert, null, new Float64Array(ec.length), new Float64Array(ec.length)),
        );
      }),
    );
  });
});

describe('pair ranking metrics, edge cases', () => {
  it('say why they are undefined', () => {
    const r = rank([0.5, 0.5, 0.5]),
      s = rank([0.1, 0.2, 0.3]);
    expect(spearman(r, s, null, new Float64Array(3), new Float64Array(3))).toEqual({
      reason: 'control scores are constant: correlation is undefined',
    });
    expect(spearman(s, r, null, new Float64Array(3), new Float64Array(3))).toEqual({
      reason: 'treatment scores are constant: correlation is undefined',
    });
    expect(psi(r, s, Uint8Array.of(0, 0, 0))).toEqual({ reason: 'no rows' });
  });

  it('a disjoint shift gives KS = 1 and a large finite PSI', () => {
    const c = Array.from({ length: 100 }, (_, i) => i / 100),
      t = c.map((x) => x + 2);
    expect(num(ksStatistic(rank(c), rank(t), null))).toBe(1);
    const p = num(psi(rank(c), rank(t), null));
    expect(Number.isFinite(p)).toBe(true);
    expect(p).toBeGreaterThan(5);
  });
});
