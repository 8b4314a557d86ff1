import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { argsortColumn, f32FromKey, f64FromKey } from '../../../stdlib/metrics/radix-sort.ts';
import { positivesInOrder, rankColumn, rankFlagged } from '../../../stdlib/metrics/ranking.ts';
import { aurocAuprc } from '../../../stdlib/metrics/ranking-metrics.ts';

const floats = fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: false }), fc.constantFrom(0, -0, 1, -1, 0.5, Infinity, -Infinity, 1e-45, -1e-45));
const doubles = fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, 0.1, 0.2, -0.3, 1e308, -1e-320));

function reference(values: number[]): number[] {
  return values
    .map((v, i) => [v, i] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, i]) => i);
}

describe('radix argsort', () => {
  it('sorts float32 columns like a stable comparator sort (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(floats, { maxLength: 300 }), (xs) => {
        const v = Float32Array.from(xs.map((x) => x + 0));
        const { order } = argsortColumn(v, 1, 0, null, v.length);
        expect(Array.from(order)).toEqual(reference(Array.from(v)));
      }),
    );
  });

  it('sorts float64 columns, strided, over a row subset (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(doubles, { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 3 }), (xs, stride) => {
        const v = new Float64Array(xs.length * stride).fill(7);
        xs.forEach((x, i) => {
          v[i * stride + stride - 1] = x + 0;
        });
        const rows = Uint32Array.from(xs.map((_, i) => i).filter((i) => i % 3 !== 1));
        const { order } = argsortColumn(v, stride, stride - 1, rows, rows.length);
        const want = reference(Array.from(rows, (r) => v[r * stride + stride - 1]!)).map((j) => rows[j]!);
        expect(Array.from(order)).toEqual(want);
      }),
    );
  });

  it('sorts large float32 columns (the MSD path) stably, ties in index order', () => {
    const n = 150_000;
    let s = 7;
    const v = Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s < 2 ** 30 ? 0.5 : (s / 2 ** 32) * 2 - 1;
    });
    const { order, hi } = argsortColumn(v, 1, 0, null, n);
    const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a]! - v[b]! || a - b);
    expect(Array.from(order)).toEqual(want);
    expect(Array.from(hi, f32FromKey)).toEqual(want.map((i) => v[i]!));
  });

  it('inverts its key maps', () => {
    const { hi: h32 } = argsortColumn(Float32Array.of(0, 1, -1, 0.1, -2.5e-38, 3.4e38, Infinity, -Infinity), 1, 0, null, 8);
    expect(Array.from(h32, f32FromKey)).toEqual([-Infinity, -1, -2.5e-38, 0, 0.1, 1, 3.4e38, Infinity].map(Math.fround));
    const { hi, lo } = argsortColumn(Float64Array.of(0.1, -7.25e300, 5e-324), 1, 0, null, 3);
    expect([0, 1, 2].map((j) => f64FromKey(hi[j]!, lo![j]!))).toEqual([-7.25e300, 5e-324, 0.1]);
  });
});

describe('rankings', () => {
  it('rank large float32 columns with their flags (the MSD path, and the LSD fallback when keys cluster) like a stable sort', () => {
    const n = 100_000;
    let s = 11;
    const rnd = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const y = Uint8Array.from({ length: n }, () => +(rnd() < 0.3));
    const cases: [string, () => number][] = [
      ['uniform', () => rnd()],
      ['skewed towards 0', () => rnd() ** 8 * 1e-3],
      ['5,000 tied values', () => Math.floor(rnd() * 5000) / 5000],
      ['70% one value (a bucket over 2^16 keys: the LSD fallback)', () => (rnd() < 0.7 ? 0.25 : rnd())],
      ['both signs, zeros, infinities', () => (rnd() < 0.01 ? Infinity : rnd() < 0.1 ? 0 : (rnd() - 0.5) * 1e6)],
      // The histogram's guessed range (radix-msd.ts): a sample widened down to +0.
      ['a narrow band (the guess far too coarse: the exact histogram)', () => 0.5 + rnd() * 1e-4],
      ['probabilities, a few tiny (the guess 2 bits coarser, kept)', () => (rnd() < 0.001 ? 1e-7 : rnd())],
      ['a tiny negative the sample misses (the guess too fine: the exact histogram)', () => (rnd() < 0.00002 ? -1e-30 : rnd())],
      [
        '70% in one guessed bucket over 2^16 keys that the exact histogram splits',
        () => (rnd() < 0.7 ? 0.75 + rnd() * 2 ** -10 : rnd() < 0.01 ? 1e-7 : rnd()),
      ],
    ];
    for (const [what, draw] of cases) {
      const v = Float32Array.from({ length: n }, draw);
      // Also as float64 values at a stride, over a subset of the rows: the path that converts each key.
      const wide = new Float64Array(2 * n);
      v.forEach((x, i) => {
        wide[2 * i + 1] = x;
      });
      const rows = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 !== 3);
      for (const [values, stride, column, subset] of [
        [v, 1, 0, null],
        [wide, 2, 1, rows],
      ] as const) {
        const m = subset === null ? n : subset.length;
        const ids = subset === null ? Array.from({ length: n }, (_, i) => i) : Array.from(subset);
        const want = ids.sort((a, b) => v[a]! - v[b]! || a - b);
        const { ranking, positives } = rankFlagged({ values, stride, column, rows: subset, n: m, labels: y, positive: 1 }, { a: null, b: null });
        // First differing position (-1: none); toEqual over 150,000 elements takes seconds.
        const diff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
          if (a.length !== b.length) return Math.min(a.length, b.length);
          for (let j = 0; j < a.length; j++) if (!Object.is(a[j], b[j])) return j;
          return -1;
        };
        expect(diff(ranking.order, want), what).toBe(-1);
        expect(
          diff(
            positives,
            want.map((i) => y[i]!),
          ),
          what,
        ).toBe(-1);
        const ends: number[] = [];
        for (let j = 1; j <= m; j++) if (j === m || v[want[j]!] !== v[want[j - 1]!]) ends.push(j);
        expect(diff(ranking.groupEnd, ends), what).toBe(-1);
        expect(
          diff(
            ranking.groupValue,
            ends.map((e) => v[want[e - 1]!]!),
          ),
          what,
        ).toBe(-1);
      }
    }
  });
  it('group ties and expose their values', () => {
    const r = rankColumn(Float64Array.of(0.5, 0.1, 0.5, 0.9, 0.1, 0.5), 1, 0, null, 6);
    expect(r.groups).toBe(3);
    expect(Array.from(r.groupEnd)).toEqual([2, 5, 6]);
    expect(Array.from(r.groupValue)).toEqual([0.1, 0.5, 0.9]);
    expect(Array.from(positivesInOrder(r, [1, 0, 0, 1, 1, 0], 1))).toEqual([0, 1, 1, 0, 0, 1]);
  });

  it('give Mann–Whitney AUROC with half-counted ties and step-wise average precision', () => {
    // Scores/labels small enough to check by hand: pairs (pos, neg) with pos > neg count 1, ties 1/2.
    const s = Float64Array.of(0.9, 0.8, 0.8, 0.4, 0.3, 0.3);
    const y = [1, 0, 1, 1, 0, 0];
    const r = rankColumn(s, 1, 0, null, 6);
    const a = aurocAuprc(r, positivesInOrder(r, y, 1), null);
    // Positives 0.9, 0.8, 0.4 vs negatives 0.8, 0.3, 0.3: 3 + (0.5 + 2) + 2 = 7.5 of 9.
    expect(a.auroc).toBe(7.5 / 9);
    // Thresholds 0.9 (P=1/1, R=1/3), 0.8 (P=2/3, R=2/3), 0.4 (P=3/4, R=1): AP = (1 + 2/3 + 3/4) / 3.
    expect(a.auprc).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3, 15);
    // Weight 0 removes a row; weight 2 doubles it.
    const w = Uint8Array.of(1, 0, 1, 1, 2, 1);
    const aw = aurocAuprc(r, positivesInOrder(r, y, 1), w);
    // Positives 0.9, 0.8, 0.4 vs negatives 0.3 ×3: all win → 1.
    expect(aw.auroc).toBe(1);
    expect(aw.positives).toBe(3);
    expect(aw.negatives).toBe(3);
  });
});
