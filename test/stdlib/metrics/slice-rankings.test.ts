import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rankingContext, rankingOutcomes, type StoredRows } from '../../../stdlib/metrics/ranking-context.ts';
import { sliceCutter } from '../../../stdlib/metrics/slice-rankings.ts';
import { walkFlags } from '../../../stdlib/metrics/resample-simd.ts';
import type { Derived } from '../../../stdlib/metrics/metric-family.ts';

const WANTED = new Set(['auroc', 'auprc', 'spearman', 'ks', 'psi']);
/** AUROC and AUPRC alone: the cut keeps only the flags and the tie groups' ends. */
const LEAN = new Set(['auroc', 'auprc']);

/** Scores from a few tied values or anywhere (float32, no NaN, no -0), labels 0/1, slice indices with the overflow marker. */
const rows = fc.array(
  fc.record({
    c: fc.oneof(fc.constantFrom(0, 0.25, 0.5, 1), fc.float({ noNaN: true, min: -4, max: 4 })),
    t: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.float({ noNaN: true, min: -4, max: 4 })),
    y: fc.integer({ min: 0, max: 1 }),
    s: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(0xff)),
  }),
  { maxLength: 200 },
);

function store(xs: { c: number; t: number; y: number }[], labels: boolean): StoredRows {
  return {
    n: xs.length,
    width: 1,
    control: Float32Array.from(xs, (x) => x.c + 0),
    treatment: Float32Array.from(xs, (x) => x.t + 0),
    label: labels ? Uint8Array.from(xs, (x) => x.y) : null,
  };
}

describe('slice rankings cut from the whole store', () => {
  for (const [kind, wanted] of [
    ['binary', WANTED],
    ['regression', WANTED],
    ['binary', LEAN],
  ] as const) {
    it(`give each ${kind} group the ranking and metrics of its rows sorted alone, for ${[...wanted].join(', ')} (fast-check)`, () => {
      fc.assert(
        fc.property(rows, fc.integer({ min: 1, max: 4 }), (xs, groups) => {
          const st = store(xs, kind === 'binary');
          const slice = Uint8Array.from(xs, (x) => x.s);
          // Slice indices fold onto `groups` groups; the overflow goes to the last, as `(other)` does.
          const groupOf = (s: number): number => (s === 0xff ? groups - 1 : s % groups);
          const scratch: [Float64Array, Float64Array] = [new Float64Array(st.n), new Float64Array(st.n)];
          const whole = rankingContext(kind, wanted, st, null, st.n, scratch);
          // The bootstrap marks its walks in the whole rankings' flags, in place, before the slices are cut.
          if (whole.posC !== null) walkFlags(whole.rc!, whole.posC, whole.posC);
          if (whole.posT !== null) walkFlags(whole.rt!, whole.posT, whole.posT);
          const cutter = sliceCutter(whole, st, slice, groupOf, groups, scratch)!;
          expect(cutter).not.toBeNull();
          // The same cut with the per-position groups in a free area holding garbage (the spent control scores).
          const inArea = sliceCutter(whole, st, slice, groupOf, groups, scratch, new Uint32Array(Math.ceil(st.n / 2) + 1).fill(0xdeadbeef))!;
          for (let g = 0; g < groups; g++) {
            const sub = Uint32Array.from(xs.map((_, i) => i).filter((i) => groupOf(slice[i]!) === g));
            const want = rankingContext(kind, wanted, st, sub, sub.length, [new Float64Array(st.n), new Float64Array(st.n)]);
            const wantOut: Derived = new Map();
            rankingOutcomes(want, null, wantOut);
            const got = cutter.context(g);
            for (const [r, w] of [
              [got.rc!, want.rc!],
              [got.rt!, want.rt!],
            ] as const) {
              expect(r.n).toBe(w.n);
              expect(r.groups).toBe(w.groups);
              expect(Array.from(r.groupEnd)).toEqual(Array.from(w.groupEnd));
              if (wanted === LEAN) continue;
              expect(Array.from(r.order)).toEqual(Array.from(w.order));
              expect(Array.from(r.groupValue)).toEqual(Array.from(w.groupValue));
            }
            if (kind === 'binary') {
              expect(Array.from(got.posC!)).toEqual(Array.from(want.posC!));
              expect(Array.from(got.posT!)).toEqual(Array.from(want.posT!));
            } else expect(got.posC).toBeNull();
            const gotOut: Derived = new Map();
            rankingOutcomes(got, null, gotOut);
            expect(gotOut).toEqual(wantOut);
            const areaOut: Derived = new Map();
            rankingOutcomes(inArea.context(g), null, areaOut);
            expect(areaOut).toEqual(wantOut);
          }
        }),
        { numRuns: 200 },
      );
    });
  }

  it('does not apply to multiclass rankings', () => {
    const st: StoredRows = {
      n: 2,
      width: 2,
      control: Float32Array.of(0.2, 0.8, 0.6, 0.4),
      treatment: Float32Array.of(0.3, 0.7, 0.5, 0.5),
      label: Uint8Array.of(1, 0),
    };
    const scratch: [Float64Array, Float64Array] = [new Float64Array(0), new Float64Array(0)];
    const whole = rankingContext('multiclass', new Set(['auroc']), st, null, 2, scratch);
    expect(sliceCutter(whole, st, Uint8Array.of(0, 1), (s) => s, 2, scratch)).toBeNull();
  });
});
