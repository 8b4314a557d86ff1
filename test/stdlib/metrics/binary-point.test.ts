/**
 * The labelled binary point estimate from two rankings (binary-point.ts) and the flagged sort that
 * feeds it: DeLong against its definition (an O(P·N) pair count), identical models, and the flags
 * carried through the sort against a gather through the order.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { binaryPoint, rocAndPr } from '../../../stdlib/metrics/binary-point.ts';
import { positivesInOrder, rankColumn, rankFlagged, type Ranking } from '../../../stdlib/metrics/ranking.ts';
import { aurocAuprc } from '../../../stdlib/metrics/ranking-metrics.ts';
import type { CurvePoint, DeLongResult } from '../../../plan/result-types.ts';

/** Scores with many ties (steps of 1/8) or continuous, labels with the given positive rate. */
function rows(n: number, seed: number, tied: boolean): { y: Uint8Array; c: Float32Array; t: Float32Array } {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const y = new Uint8Array(n),
    c = new Float32Array(n),
    t = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rnd() < 0.35 ? 1 : 0;
    const a = 0.3 * y[i]! + 0.7 * rnd(),
      b = 0.45 * y[i]! + 0.55 * rnd();
    c[i] = tied ? Math.round(a * 8) / 8 : a;
    t[i] = tied ? Math.round(b * 8) / 8 : b;
  }
  return { y, c, t };
}

/** DeLong by its definition: structural components from every (positive, negative) pair, two-pass covariances. */
function naiveDelong(y: Uint8Array, c: Float32Array, t: Float32Array): { aucC: number; aucT: number; se: number; seC: number; seT: number } {
  const pos: number[] = [],
    neg: number[] = [];
  y.forEach((v, i) => (v === 1 ? pos : neg).push(i));
  const psi = (a: number, b: number): number => (a > b ? 1 : a === b ? 0.5 : 0);
  const comp = (s: Float32Array): { v10: number[]; v01: number[] } => ({
    v10: pos.map((i) => neg.reduce((acc, j) => acc + psi(s[i]!, s[j]!), 0) / neg.length),
    v01: neg.map((j) => pos.reduce((acc, i) => acc + psi(s[i]!, s[j]!), 0) / pos.length),
  });
  const C = comp(c),
    T = comp(t);
  const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;
  const cov = (a: number[], b: number[]): number => {
    const ma = mean(a),
      mb = mean(b);
    return a.reduce((acc, v, i) => acc + (v - ma) * (b[i]! - mb), 0) / (a.length - 1);
  };
  const P = pos.length,
    N = neg.length;
  const varC = cov(C.v10, C.v10) / P + cov(C.v01, C.v01) / N;
  const varT = cov(T.v10, T.v10) / P + cov(T.v01, T.v01) / N;
  const varD = varC + varT - 2 * (cov(C.v10, T.v10) / P + cov(C.v01, T.v01) / N);
  return { aucC: mean(C.v10), aucT: mean(T.v10), se: Math.sqrt(Math.max(0, varD)), seC: Math.sqrt(varC), seT: Math.sqrt(varT) };
}

/** DeLong from per-row components found by a comparator sort (for inputs too large for the pair count). */
function sortedDelong(y: Uint8Array, c: Float32Array, t: Float32Array): { se: number; seC: number; seT: number } {
  const n = y.length;
  let P = 0;
  for (const v of y) P += v;
  const N = n - P;
  const comps = (s: Float32Array): Float64Array => {
    const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[a]! - s[b]!);
    const v = new Float64Array(n);
    let negBelow = 0,
      posBelow = 0;
    for (let i = 0; i < n;) {
      let j = i,
        pos = 0;
      while (j < n && s[idx[j]!] === s[idx[i]!]) pos += y[idx[j++]!]!;
      const neg = j - i - pos;
      for (let k = i; k < j; k++) v[idx[k]!] = y[idx[k]!] === 1 ? (negBelow + neg / 2) / N : (P - posBelow - pos / 2) / P;
      negBelow += neg;
      posBelow += pos;
      i = j;
    }
    return v;
  };
  const vc = comps(c),
    vt = comps(t);
  const cov = (cls: number, a: Float64Array, b: Float64Array): number => {
    let ma = 0,
      mb = 0,
      m = 0;
    for (let i = 0; i < n; i++) if (y[i] === cls) ((ma += a[i]!), (mb += b[i]!), m++);
    ma /= m;
    mb /= m;
    let sum = 0;
    for (let i = 0; i < n; i++) if (y[i] === cls) sum += (a[i]! - ma) * (b[i]! - mb);
    return sum / (m - 1);
  };
  const varC = cov(1, vc, vc) / P + cov(0, vc, vc) / N,
    varT = cov(1, vt, vt) / P + cov(0, vt, vt) / N;
  const varD = varC + varT - 2 * (cov(1, vc, vt) / P + cov(0, vc, vt) / N);
  return { se: Math.sqrt(varD), seC: Math.sqrt(varC), seT: Math.sqrt(varT) };
}

/**
 * The curve sampler as it was a class (called per tie group): at most `max` points evenly spaced
 * along the L1 length — the reference for the sampling written out in the walk.
 */
class CurveSampler {
  readonly points: CurvePoint[] = [];
  private arc = 0;
  private next = 1;
  private lx = NaN;
  private ly = NaN;
  private lt: number | null = null;
  private lastKept = false;

  constructor(
    private readonly totalArc: number,
    private readonly max = 200,
  ) {}

  push(x: number, y: number, threshold: number | null): void {
    if (this.points.length === 0) {
      this.points.push({ x, y, threshold });
    } else {
      this.arc += Math.abs(x - this.lx) + Math.abs(y - this.ly);
    }
    this.lx = x;
    this.ly = y;
    this.lt = threshold;
    this.lastKept = this.points.length === 1 && this.arc === 0;
    const step = this.totalArc / (this.max - 1);
    if (this.next < this.max - 1 && this.arc >= step * this.next) {
      this.points.push({ x, y, threshold });
      this.lastKept = true;
      while (this.next < this.max - 1 && this.arc >= step * this.next) this.next++;
    }
  }

  /** The kept points, ending with the last point pushed. */
  finish(): CurvePoint[] {
    if (!this.lastKept && this.points.length > 0) this.points.push({ x: this.lx, y: this.ly, threshold: this.lt });
    return this.points;
  }
}

/** ROC and PR curves through the reference sampler, from a ranking's groups (the previous code). */
function referenceCurves(r: Ranking, positive: Uint8Array, maxPoints = 200): { roc: CurvePoint[]; pr: CurvePoint[] } {
  let P = 0;
  for (let j = 0; j < r.n; j++) P += positive[j]!;
  const N = r.n - P;
  const counts = (g: number): number => {
    let pos = 0;
    for (let j = g === 0 ? 0 : r.groupEnd[g - 1]!; j < r.groupEnd[g]!; j++) pos += positive[j]!;
    return pos;
  };
  let prArc = 0,
    tp = 0,
    fp = 0,
    lastPrec = 1;
  for (let g = r.groups - 1; g >= 0; g--) {
    const pos = counts(g);
    tp += pos;
    fp += r.groupEnd[g]! - (g === 0 ? 0 : r.groupEnd[g - 1]!) - pos;
    const prec = tp / (tp + fp);
    prArc += pos / P + Math.abs(prec - lastPrec);
    lastPrec = prec;
  }
  const roc = new CurveSampler(2, maxPoints),
    pr = new CurveSampler(prArc, maxPoints);
  roc.push(0, 0, null);
  pr.push(0, 1, null);
  tp = fp = 0;
  for (let g = r.groups - 1; g >= 0; g--) {
    const pos = counts(g);
    tp += pos;
    fp += r.groupEnd[g]! - (g === 0 ? 0 : r.groupEnd[g - 1]!) - pos;
    roc.push(fp / N, tp / P, r.groupValue[g]!);
    pr.push(tp / P, tp / (tp + fp), r.groupValue[g]!);
  }
  return { roc: roc.finish(), pr: pr.finish() };
}

function ranked(values: Float32Array, y: Uint8Array): [Ranking, Uint8Array] {
  const { ranking, positives } = rankFlagged(
    { values, stride: 1, column: 0, rows: null, n: values.length, labels: y, positive: 1 },
    { a: null, b: null },
  );
  return [ranking, positives];
}

const close = (a: number, b: number, rel: number): boolean => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300);

describe('binary point estimate', () => {
  for (const tied of [false, true]) {
    it(`gives DeLong's test of its definition (${tied ? 'tied' : 'continuous'} scores)`, () => {
      const { y, c, t } = rows(600, tied ? 11 : 12, tied);
      const [rc, pc] = ranked(c, y),
        [rt, pt] = ranked(t, y);
      const bp = binaryPoint(rc, pc, rt, pt, y, y.length, true, 0.95);
      const d = bp.delong as DeLongResult;
      const want = naiveDelong(y, c, t);
      expect(close(d.auc_control, want.aucC, 1e-12)).toBe(true);
      expect(close(d.auc_treatment, want.aucT, 1e-12)).toBe(true);
      expect(close(d.se, want.se, 1e-10), `se ${d.se} vs ${want.se}`).toBe(true);
      expect(close(d.se_control, want.seC, 1e-10)).toBe(true);
      expect(close(d.se_treatment, want.seT, 1e-10)).toBe(true);
      // The AUROC and AUPRC are exactly the ranking walk's, the curves exactly rocAndPr's.
      expect(bp.control).toEqual(aurocAuprc(rc, pc, null));
      expect(bp.treatment).toEqual(aurocAuprc(rt, pt, null));
      expect(bp.curves!.control).toEqual(rocAndPr(rc, pc));
      expect(bp.curves!.control).toEqual(referenceCurves(rc, pc));
      expect(bp.curves!.treatment).toEqual(referenceCurves(rt, pt));
      expect(rocAndPr(rc, pc, 80)).toEqual(referenceCurves(rc, pc, 80));
      expect(rocAndPr(rt, pt, 2)).toEqual(referenceCurves(rt, pt, 2));
      expect(d.auc_control).toBe(bp.control.auroc);
    });
  }

  it('keeps the curve points of a walk over every group when it re-walks only the segments holding one', () => {
    // Many segments of 256 groups, most skipped; few points (each in its own segment) and many
    // (several per segment); a curve whose groups are one row each and one of few large groups.
    for (const [n, tied, seed] of [
      [40_000, false, 31],
      [40_000, true, 32],
      [257, false, 33],
      [5000, false, 34],
    ] as const) {
      const { y, c, t } = rows(n, seed, tied);
      for (const s of [c, t]) {
        const [r, p] = ranked(s, y);
        for (const max of [2, 3, 17, 80, 200, 1000]) expect(rocAndPr(r, p, max), `${n} ${tied} ${max}`).toEqual(referenceCurves(r, p, max));
      }
    }
  });

  it('partitions the rows into blocks without changing DeLong (rows over several blocks, with and without sort buffers)', () => {
    for (const tied of [false, true]) {
      const { y, c, t } = rows(3 * 32768 + 123, tied ? 21 : 22, tied);
      const [rc, pc] = ranked(c, y),
        [rt, pt] = ranked(t, y);
      const want = sortedDelong(y, c, t);
      const sorts = { a: new Uint32Array(2 * y.length).fill(7), b: new Uint32Array(2 * y.length).fill(9) };
      for (const scratch of [null, sorts]) {
        const d = binaryPoint(rc, pc, rt, pt, y, y.length, true, 0.95, scratch).delong as DeLongResult;
        expect(close(d.se, want.se, 1e-10), `se ${d.se} vs ${want.se}`).toBe(true);
        expect(close(d.se_control, want.seC, 1e-10)).toBe(true);
        expect(close(d.se_treatment, want.seT, 1e-10)).toBe(true);
      }
    }
  });

  it("gives the same bits with DeLong's numerators in two halves of the rows (the MSD sort's one-word-per-row buffer)", () => {
    // Odd and even row counts, over several blocks, continuous and tied scores.
    for (const [n, tied, seed] of [
      [3 * 32768 + 123, false, 41],
      [3 * 32768 + 124, true, 42],
      [70_001, false, 43],
      [5, true, 44],
    ] as const) {
      const { y, c, t } = rows(n, seed, tied);
      const [rc, pc] = ranked(c, y),
        [rt, pt] = ranked(t, y);
      const whole = binaryPoint(rc, pc, rt, pt, y, n, true, 0.95);
      // The buffer the MSD sort leaves (n words, even), filled with noise.
      const half = { a: new Uint32Array(n + (n & 1)).fill(0xdeadbeef), b: null };
      const halves = binaryPoint(rc, pc, rt, pt, y, n, true, 0.95, half);
      expect(halves, `${n} ${tied}`).toEqual(whole);
      expect(Object.is((halves.delong as DeLongResult).z, (whole.delong as DeLongResult).z)).toBe(true);
      // A buffer of both models' numerators for every row: one chunk, the same bits again.
      expect(binaryPoint(rc, pc, rt, pt, y, n, true, 0.95, { a: new Uint32Array(2 * n).fill(3), b: null })).toEqual(whole);
    }
  });

  it('ranks large columns in one word per row of scratch (the MSD sort), two (2n each) when it falls back', () => {
    const { y, c } = rows(100_000, 45, false);
    const scratch: { a: Uint32Array | null; b: Uint32Array | null } = { a: null, b: null };
    rankFlagged({ values: c, stride: 1, column: 0, rows: null, n: c.length, labels: y, positive: 1 }, scratch);
    expect(scratch.a!.length).toBe(100_000);
    expect(scratch.b).toBeNull();
  });

  it('gives two identical models exactly zero variance: z = 0, p = 1', () => {
    for (const tied of [false, true]) {
      const { y, c } = rows(2000, 5, tied);
      const [rc, pc] = ranked(c, y),
        [rt, pt] = ranked(c.slice(), y);
      const d = binaryPoint(rc, pc, rt, pt, y, y.length, true, 0.95).delong as DeLongResult;
      expect(d.se).toBe(0);
      expect(d.z).toBe(0);
      expect(d.pvalue).toBe(1);
    }
  });

  it('says why when a class is missing or too small', () => {
    const y = Uint8Array.of(1, 0, 0, 0);
    const s = Float32Array.of(0.9, 0.1, 0.2, 0.3);
    const [rc, pc] = ranked(s, y);
    const bp = binaryPoint(rc, pc, rc, pc, y, 4, true, 0.95);
    expect(bp.delong).toEqual({ reason: "DeLong's test needs at least two positive rows (got 1)" });
    expect(bp.curves).not.toBeNull();
    const none = new Uint8Array(4);
    const [r0, p0] = ranked(s, none);
    const b0 = binaryPoint(r0, p0, r0, p0, none, 4, false, 0.95);
    expect(b0.curves).toBeNull();
    expect(b0.delong).toBeNull();
  });
});

describe('flagged ranking', () => {
  it('carries the labels through the sort: the ranking of rankColumn, the flags of a gather (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 0.25, 0.5, 1, 0.1, -3), fc.integer({ min: 0, max: 2 })), { maxLength: 200 }),
        fc.integer({ min: 1, max: 3 }),
        (xs, stride) => {
          const v = new Float32Array(xs.length * stride).fill(9);
          const labels = Uint32Array.from(xs, ([, l]) => l);
          xs.forEach(([x], i) => {
            v[i * stride + stride - 1] = x;
          });
          const sub = Uint32Array.from(xs.map((_, i) => i).filter((i) => i % 4 !== 2));
          for (const rows of [null, sub]) {
            const n = rows === null ? xs.length : rows.length;
            const { ranking, positives } = rankFlagged({ values: v, stride, column: stride - 1, rows, n, labels, positive: 2 }, { a: null, b: null });
            // Reference: a stable comparator sort of the rows, groups where the value changes.
            const ids = rows === null ? Array.from({ length: n }, (_, i) => i) : Array.from(rows);
            const val = (r: number): number => v[r * stride + stride - 1]!;
            const order = ids.sort((a, b) => val(a) - val(b) || a - b);
            const ends = order.flatMap((r, j) => (j + 1 === n || val(order[j + 1]!) !== val(r) ? [j + 1] : []));
            expect(Array.from(ranking.order)).toEqual(order);
            expect(Array.from(ranking.groupEnd)).toEqual(ends);
            expect(Array.from(ranking.groupValue)).toEqual(ends.map((e) => val(order[e - 1]!)));
            expect(Array.from(positives)).toEqual(order.map((r) => +(labels[r] === 2)));
            // positivesInOrder returns the carried flags for the same labels, and gathers for others.
            expect(positivesInOrder(ranking, labels.subarray(0), 2)).toBe(positives);
            expect(Array.from(positivesInOrder(ranking, labels, 1))).toEqual(order.map((r) => +(labels[r] === 1)));
            expect(rankColumn(v, stride, stride - 1, rows, n).order).toEqual(ranking.order);
          }
        },
      ),
    );
  });
});
