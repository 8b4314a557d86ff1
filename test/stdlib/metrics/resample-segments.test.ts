/**
 * The segments' channels shared by a bootstrap job's threads (resample-segments.ts `SegmentRing`):
 * gathered once into the ring, copied by every thread that sweeps them, the next one gathered ahead.
 * Whoever gathered a segment — this thread, another, or this thread for itself when the ring has moved
 * on — the resamples are the same bits as one sweep without the ring.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  prepareResamples,
  resampleRange,
  resampleSegment,
  segmentStateBytes,
  simdSegments,
  type ResampleInput,
} from '../../../stdlib/metrics/resample-engine.ts';
import {
  gatherStats,
  releaseSegments,
  SEGMENT_TILES,
  segmentRing,
  type RingWait,
  type SegmentRing,
} from '../../../stdlib/metrics/resample-segments.ts';
import { TILE } from '../../../stdlib/metrics/resample-tiles.ts';
import { runResamples, warmResampleWorkers } from '../../../stdlib/metrics/resample-pool.ts';
import type { Derived } from '../../../stdlib/metrics/metric-family.ts';
import { binaryResampleInput, type BinaryInputOptions } from './support/resample-input.ts';

const METRICS = ['accuracy', 'auroc', 'auprc', 'log_loss', 'brier'];
const SEG = SEGMENT_TILES * TILE;

function expectSameBits(a: Derived[], b: Derived[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((d, i) => {
    expect([...d.keys()].sort()).toEqual([...b[i]!.keys()].sort());
    for (const [name, v] of d) {
      const w = b[i]!.get(name);
      if (typeof v === 'number') expect(Object.is(v, w), `resample ${i} ${name}: ${v} vs ${String(w)}`).toBe(true);
      else expect(w, `resample ${i} ${name}`).toStrictEqual(v);
    }
  });
}

/** Prepared as the pool prepares a job's input. */
const prepared = (n: number, opts: BinaryInputOptions, B = 14): ResampleInput =>
  prepareResamples(binaryResampleInput(n, METRICS, { bootstrap: B, ...opts }));

/**
 * Ranges [1, 6) and [6, 14) swept segment by segment through `ring`, interleaved as two threads take
 * them; `before(s)` runs before each segment (a test moves the ring's slots there).
 */
function sweepThrough(inp: ResampleInput, ring: SegmentRing, wait?: RingWait, before?: (s: number) => void): Derived[][] {
  const ranges = [
    [1, 6],
    [6, 14],
  ] as const;
  const states = ranges.map(([r0, r1]) => new Uint8Array(segmentStateBytes(inp, r1 - r0)));
  const got: Derived[][] = [[], []];
  const S = simdSegments(inp);
  for (let s = 0; s < S; s++) {
    before?.(s);
    for (const k of [1, 0]) {
      // Each call as if on a thread that has no segment of its own yet.
      releaseSegments();
      const v = resampleSegment(inp, ranges[k]![0], ranges[k]![1], s, states[k]!, ring, wait);
      expect(v === null).toBe(s < S - 1);
      if (v !== null) got[k] = v;
    }
  }
  return got;
}

const K = (inp: ResampleInput): number => inp.simdRows!.K;

describe('the segments shared through a ring', () => {
  afterEach(() => releaseSegments());

  it.each([
    ['consecutive ids, walks and sums', { ties: 0, outOfRange: false, seed: 41, consecutive: true }],
    ['sparse ids, ties, out-of-range tiles', { ties: 300, outOfRange: true, seed: 42 }],
  ] as const)('give the bits of one sweep, each segment gathered once (the next one ahead): %s', (_what, o) => {
    const n = 3 * SEG + 5 * TILE + 3;
    const inp = prepared(n, o);
    expect(simdSegments(inp)).toBe(4);
    const ring = segmentRing(K(inp));
    const before = gatherStats.gathered;
    const [a, b] = sweepThrough(inp, ring);
    // Four segments, each gathered once into the ring (not once per range).
    expect(gatherStats.gathered - before).toBe(4);
    expectSameBits(a!, resampleRange(inp, 1, 6));
    expectSameBits(b!, resampleRange(inp, 6, 14));
    // And those of the scalar sweeps, which gather nothing ahead.
    expectSameBits(a!, resampleRange(binaryResampleInput(n, METRICS, { bootstrap: 14, ...o }), 1, 6, false));
  });

  it('gather for themselves when the slot holds a later segment, or another thread is still writing into it', () => {
    const inp = prepared(2 * SEG + 2 * TILE + 9, { ties: 10, outOfRange: false, seed: 43, consecutive: true });
    const ring = segmentRing(K(inp));
    const w = new Int32Array(ring.words);
    // Segment s's slot (s mod 2) as if this thread fell behind: it holds segment s + 2; then, in the
    // other slot, an earlier segment still being written (its even tag) — s + 1 is never gathered ahead.
    const [a, b] = sweepThrough(inp, ring, undefined, (s) => {
      w[2 * (s & 1)] = 2 * (s + 2) + 1;
      w[2 * ((s + 1) & 1)] = 0;
    });
    expectSameBits(a!, resampleRange(inp, 1, 6));
    expectSameBits(b!, resampleRange(inp, 6, 14));
  });

  it('gather for themselves when the thread gathering their segment is gone, and stop when the job is over', () => {
    const inp = prepared(SEG + TILE + 1, { ties: 0, outOfRange: false, seed: 44, consecutive: true });
    const ring = segmentRing(K(inp));
    const w = new Int32Array(ring.words);
    // Segment 0 "being gathered" by a thread that will never finish it.
    w[0] = 0;
    const gone: RingWait = { check: () => {}, alive: () => false };
    const state = new Uint8Array(segmentStateBytes(inp, 5));
    expect(resampleSegment(inp, 1, 6, 0, state, ring, gone)).toBeNull();
    releaseSegments();
    expectSameBits(resampleSegment(inp, 1, 6, 1, state, ring, gone)!, resampleRange(inp, 1, 6));
    // A thread ended while copying from a slot (its count never falls): the slot is closed, not overwritten.
    const stuck = segmentRing(K(inp));
    const ws = new Int32Array(stuck.words);
    ws[1] = 1;
    const fresh = new Uint8Array(state.length);
    for (const s of [0, 1]) {
      releaseSegments();
      const v = resampleSegment(inp, 1, 6, s, fresh, stuck, gone);
      if (s === 1) expectSameBits(v!, resampleRange(inp, 1, 6));
    }
    expect(ws[0]).toBe(0x7fffffff);
    // A job cancelled meanwhile: the waiting thread stops instead of waiting on.
    releaseSegments();
    w[0] = 0;
    const cancelled: RingWait = {
      check: () => {
        throw new Error('cancelled');
      },
      alive: () => true,
    };
    expect(() => resampleSegment(inp, 1, 6, 0, new Uint8Array(state.length), ring, cancelled)).toThrow('cancelled');
  });

  describe('on worker threads', () => {
    it.each([2, 3])(
      'give the one-thread resamples on %i threads, many segments',
      async (T) => {
        const inp = binaryResampleInput(9 * SEG + 77, METRICS, { ties: 0, outOfRange: true, seed: 45 + T, bootstrap: 70, consecutive: true });
        warmResampleWorkers(T);
        await new Promise((r) => setTimeout(r, 1500));
        expectSameBits(runResamples(inp, T), resampleRange(inp, 1, 71));
      },
      120_000,
    );
  });
});
