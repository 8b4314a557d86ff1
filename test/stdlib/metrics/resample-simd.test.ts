/**
 * The SIMD sweeps (resample-simd.ts, wasm/bootstrap-walk.wat) against the scalar sweeps of
 * resample-engine.ts: every resample's every value must be the same bits, whatever the tie groups,
 * tile boundaries, resample ranges (not multiples of four) and out-of-range probabilities.
 */
import { describe, expect, it } from 'vitest';
import {
  prepareResamples,
  resampleRange,
  resampleSegment,
  segmentStateBytes,
  simdSegments,
  type ResampleInput,
} from '../../../stdlib/metrics/resample-engine.ts';
import { simdSweepApplies, walkFlags } from '../../../stdlib/metrics/resample-simd.ts';
import { TILE as SIMD_TILE } from '../../../stdlib/metrics/resample-tiles.ts';
import { releaseSegments, SEGMENT_TILES, segmentRows } from '../../../stdlib/metrics/resample-segments.ts';
import { rankColumn } from '../../../stdlib/metrics/ranking.ts';
import { binaryResampleInput, type BinaryInputOptions } from './support/resample-input.ts';
import type { Derived } from '../../../stdlib/metrics/metric-family.ts';
import { BinaryFamily } from '../../../stdlib/metrics/binary-family.ts';

const input = (n: number, metrics: string[], opts: BinaryInputOptions): ResampleInput => binaryResampleInput(n, metrics, opts);

function expectSameBits(a: Derived[], b: Derived[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((d, i) => {
    expect([...d.keys()].sort()).toEqual([...b[i]!.keys()].sort());
    for (const [name, v] of d) {
      const w = b[i]!.get(name);
      // Object.is: the same number bit for bit (NaN and -0 included).
      if (typeof v === 'number') expect(Object.is(v, w), `resample ${i} ${name}: ${v} vs ${String(w)}`).toBe(true);
      else expect(w, `resample ${i} ${name}`).toStrictEqual(v);
    }
  });
}

describe('the SIMD bootstrap sweeps', () => {
  const main = ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'auprc', 'log_loss', 'agreement', 'flips_to_positive'];
  it.each([
    ['continuous scores, several tiles', 3 * SIMD_TILE + 17, { ties: 0, outOfRange: false, seed: 1 }, main],
    ['heavy ties across tile boundaries', 2 * SIMD_TILE + 5, { ties: 20, outOfRange: false, seed: 2 }, main],
    ['out-of-range probabilities (extra count cells)', SIMD_TILE + 9, { ties: 0, outOfRange: true, seed: 3 }, [...main, 'brier']],
    ['sums without a ranking metric', 999, { ties: 0, outOfRange: false, seed: 4 }, ['log_loss', 'brier', 'mean_abs_diff', 'accuracy']],
    ['rankings without sums', 777, { ties: 100, outOfRange: false, seed: 5 }, ['auroc', 'auprc']],
    ['a handful of rows', 6, { ties: 0, outOfRange: false, seed: 6 }, main],
  ] as const)('give the scalar sweeps bit for bit: %s', (_what, n, opts, metrics) => {
    const inp = input(n, [...metrics], opts);
    // Ranges from either half of a pair of resamples (they share a word: r0 even starts at its odd half).
    for (const [r0, r1] of [
      [1, 14],
      [3, 8],
      [13, 14],
      [2, 9],
      [4, 40],
      [14, 15],
    ] as const)
      expectSameBits(resampleRange(inp, r0, r1, true), resampleRange(inp, r0, r1, false));
  });

  it.each([
    ['continuous scores, several tiles', 3 * SIMD_TILE + 17, { ties: 0, outOfRange: false, seed: 7 }, main],
    ['heavy ties across tile boundaries', 2 * SIMD_TILE + 5, { ties: 20, outOfRange: false, seed: 8 }, main],
    ['out-of-range probabilities in some tiles', 3 * SIMD_TILE + 1, { ties: 0, outOfRange: true, seed: 9 }, [...main, 'brier']],
    ['sums in store order (no walk)', 2 * SIMD_TILE + 3, { ties: 0, outOfRange: false, seed: 10 }, ['log_loss', 'brier', 'mean_abs_diff']],
    ['row ids from 2^32 up (keys stored, not derived)', SIMD_TILE + 11, { ties: 0, outOfRange: false, seed: 11, idOffset: 2 ** 32 + 5 }, main],
    ['consecutive row ids (keys derived from store rows)', 3 * SIMD_TILE + 17, { ties: 0, outOfRange: false, seed: 12, consecutive: true }, main],
    [
      'consecutive ids, heavy ties, out-of-range tiles',
      2 * SIMD_TILE + 5,
      { ties: 20, outOfRange: true, seed: 13, consecutive: true, idOffset: 123_456 },
      [...main, 'brier'],
    ],
    [
      'consecutive ids in store order (no walk)',
      2 * SIMD_TILE + 3,
      { ties: 0, outOfRange: false, seed: 14, consecutive: true, idOffset: 9 },
      ['log_loss', 'brier', 'mean_abs_diff'],
    ],
    [
      'consecutive ids ending at 2^32 − 1',
      SIMD_TILE + 1,
      { ties: 0, outOfRange: false, seed: 15, consecutive: true, idOffset: 2 ** 32 - SIMD_TILE - 1 },
      main,
    ],
    [
      'consecutive ids crossing 2^32 (keys stored)',
      SIMD_TILE + 1,
      { ties: 0, outOfRange: false, seed: 16, consecutive: true, idOffset: 2 ** 32 - 7 },
      main,
    ],
  ] as const)('read rows gathered once (prepareResamples) bit for bit as the scalar sweeps: %s', (_what, n, o, metrics) => {
    const opts: BinaryInputOptions = o;
    const inp = input(n, [...metrics], opts);
    const prepared = prepareResamples(inp);
    expect(prepared.simdRows).toBeDefined();
    const rows = prepared.simdRows!;
    const last = (inp.store!.rowIds as Float64Array)[n - 1]!;
    // Consecutive ids below 2^32: no key is stored, the kernel derives both from the store rows (the
    // rankings' orders, shared as they are).
    expect(rows.index !== null).toBe(opts.consecutive === true && last < 2 ** 32);
    const walks = (metrics as readonly string[]).includes('auroc');
    if (rows.index !== null) {
      expect(rows.c.k0).toBe(walks ? inp.rc!.order : null);
      expect(rows.t?.k0).toBe(walks ? inp.rt!.order : undefined);
    } else {
      // Every row's keys were gathered: the last tile from the top starts at sorted position 0.
      expect(rows.c.k0!.length).toBe(n);
      // k1 is derived in the kernel while every row id is below 2^32, stored beyond.
      expect(rows.c.k1 === null).toBe(last < 2 ** 32);
    }
    // Out-of-range scores sit in some tiles only: those tiles add their extra count cells.
    if (opts.outOfRange) {
      const family = new BinaryFamily(0.5, true, [...metrics]);
      const src = { store: inp.store!, family, rc: rows.order !== null ? inp.rc : null, flags: rows.c.flags, rowIds: inp.store!.rowIds };
      const live = segmentRows({}, src, 0).live.subarray(0, Math.ceil(n / SIMD_TILE));
      expect(new Set(live)).toEqual(new Set([0, 1]));
    }
    for (const [r0, r1] of [
      [1, 14],
      [5, 6],
      [9, 14],
    ] as const)
      expectSameBits(resampleRange(prepared, r0, r1, true), resampleRange(inp, r0, r1, false));
  });

  it.each([
    ['consecutive ids, walks and sums', { ties: 0, outOfRange: false, seed: 21, consecutive: true }, main],
    ['sparse ids, ties, out-of-range tiles', { ties: 300, outOfRange: true, seed: 22 }, [...main, 'brier']],
    ['store order (no walk)', { ties: 0, outOfRange: false, seed: 23, consecutive: true }, ['log_loss', 'brier', 'accuracy']],
  ] as const)('sweep a range segment by segment, from state saved on any thread, bit for bit: %s', (_what, o, metrics) => {
    const opts: BinaryInputOptions = o;
    const seg = SEGMENT_TILES * SIMD_TILE;
    const n = 2 * seg + 3 * SIMD_TILE + 7;
    const inp = prepareResamples(input(n, [...metrics], opts));
    const S = simdSegments(inp);
    expect(S).toBe(3);
    const ranges = [
      [1, 6],
      [6, 14],
    ] as const;
    const states = ranges.map(([r0, r1]) => new Uint8Array(segmentStateBytes(inp, r1 - r0)));
    const got: (Derived[] | null)[] = [null, null];
    // Interleaved as two threads would take them; each call as if on a fresh thread (no segment kept).
    for (let s = 0; s < S; s++)
      for (const k of [1, 0]) {
        releaseSegments();
        const v = resampleSegment(inp, ranges[k]![0], ranges[k]![1], s, states[k]!);
        expect(v === null).toBe(s < S - 1);
        got[k] = v;
      }
    ranges.forEach(([r0, r1], k) => expectSameBits(got[k]!, resampleRange(inp, r0, r1, true)));
    expectSameBits(got[0]!, resampleRange(input(n, [...metrics], opts), 1, 6, false));
  });

  it.each([
    ['walks, sums and a whole-vector metric (ks)', 3 * SIMD_TILE + 17, { ties: 0, outOfRange: false, seed: 21, idOffset: 77 }, [...main, 'ks']],
    ['heavy ties, out-of-range tiles', 2 * SIMD_TILE + 5, { ties: 20, outOfRange: true, seed: 22, idOffset: 0 }, [...main, 'brier']],
    [
      'sums in store order (no walk)',
      2 * SIMD_TILE + 3,
      { ties: 0, outOfRange: true, seed: 23, idOffset: 5 },
      ['log_loss', 'brier', 'mean_abs_diff'],
    ],
    ['ids reaching 2^32 (keys stored)', SIMD_TILE + 11, { ties: 0, outOfRange: false, seed: 24, idOffset: 2 ** 32 - 100 }, main],
    [
      'moments and maxima (scalar sweeps)',
      999,
      { ties: 0, outOfRange: false, seed: 25, idOffset: 3 },
      ['log_loss', 'pearson', 'max_abs_diff', 'auroc'],
    ],
  ] as const)('take consecutive ids as their first one ({ base }) with the bits of the id array: %s', (_what, n, o, metrics) => {
    const arr = input(n, [...metrics], { ...o, consecutive: true });
    const base: ResampleInput = { ...arr, store: { ...arr.store!, rowIds: { base: o.idOffset } } };
    for (const simd of [true, false]) expectSameBits(resampleRange(base, 1, 14, simd), resampleRange(arr, 1, 14, simd));
    // Prepared once (as the pool does), segment by segment.
    expectSameBits(resampleRange(prepareResamples(base), 3, 9), resampleRange(arr, 3, 9));
    releaseSegments();
  });

  it('give the scalar sweeps bit for bit when a channel sums to zero (identical models: +0, never −0)', () => {
    const inp = input(SIMD_TILE + 7, ['mean_abs_diff', 'log_loss', 'brier', 'auroc'], { ties: 0, outOfRange: false, seed: 31 });
    const s = inp.store!;
    const same: ResampleInput = { ...inp, store: { ...s, treatment: Float32Array.from(s.control) }, rt: inp.rc };
    const simd = resampleRange(same, 1, 14, true);
    expectSameBits(simd, resampleRange(same, 1, 14, false));
    expect(simd.every((d) => Object.is(d.get('mean_abs_diff'), 0))).toBe(true);
  });

  it('serve the main layouts and leave moments and maxima to the scalar sweeps', () => {
    expect(simdSweepApplies(new BinaryFamily(0.5, true, ['log_loss', 'auroc']).layout, 1000)).toBe(true);
    expect(simdSweepApplies(new BinaryFamily(0.5, true, ['pearson']).layout, 1000)).toBe(false);
    expect(simdSweepApplies(new BinaryFamily(0.5, true, ['max_abs_diff']).layout, 1000)).toBe(false);
    // Lane totals are int32: 8 · n, doubled, must fit.
    expect(simdSweepApplies(new BinaryFamily(0.5, true, ['auroc']).layout, 134_000_000)).toBe(true);
    expect(simdSweepApplies(new BinaryFamily(0.5, true, ['auroc']).layout, 134_300_000)).toBe(false);
  });

  it('flag each tie group holding a positive at its two ends', () => {
    const r = rankColumn(Float32Array.from([0.1, 0.2, 0.2, 0.2, 0.3, 0.4]), 1, 0, null, 6);
    const pos = Uint8Array.from([0, 0, 1, 0, 0, 1]); // by sorted position
    expect([...walkFlags(r, pos)]).toEqual([0, 2, 1, 4, 0, 1 | 2 | 4]);
  });

  it('mark the positive flags in place, the same marks, bit 0 still the flag (and again: marks already there are read as bit 0)', () => {
    const r = rankColumn(Float32Array.from([0.1, 0.2, 0.2, 0.2, 0.3, 0.4]), 1, 0, null, 6);
    const pos = Uint8Array.from([0, 0, 1, 0, 0, 1]);
    expect(walkFlags(r, pos, pos)).toBe(pos);
    expect([...pos]).toEqual([0, 2, 1, 4, 0, 1 | 2 | 4]);
    expect([...walkFlags(r, pos)]).toEqual([0, 2, 1, 4, 0, 1 | 2 | 4]);
  });
});
