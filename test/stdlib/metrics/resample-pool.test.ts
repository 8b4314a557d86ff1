/**
 * The resample pool's chunks: threads take chunks of resamples off one shared counter, so which
 * thread took which chunk (or how many a late worker took) must never change a resample.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  chunkSize,
  resamplePoolTesting,
  runResamples,
  startResamples,
  takeChunks,
  warmResampleWorkers,
  type ResampleJob,
} from '../../../stdlib/metrics/resample-pool.ts';
import { prepareResamples, resampleRange, type ResampleInput } from '../../../stdlib/metrics/resample-engine.ts';
import { VISIT } from '../../../stdlib/metrics/resample-simd.ts';
import { binaryResampleInput } from './support/resample-input.ts';
import { rankFlagged } from '../../../stdlib/metrics/ranking.ts';
import { sharedArray } from '../../../stdlib/metrics/row-store.ts';

const METRICS = ['accuracy', 'auroc', 'auprc', 'log_loss', 'brier'];

const input = (n: number, B: number): ResampleInput => binaryResampleInput(n, METRICS, { ties: 0, outOfRange: false, seed: n + B, bootstrap: B });

/** A replay in order (consecutive ids, no ties): the SIMD sweeps' input. */
const replayInput = (n: number, seed: number, B: number, outOfRange = false): ResampleInput =>
  binaryResampleInput(n, METRICS, { ties: 0, outOfRange, seed, bootstrap: B, consecutive: true });

describe('the resample pool', () => {
  it('cuts resamples into chunks of whole kernel visits, about eight per thread', () => {
    for (const [B, T] of [
      [1000, 2],
      [1000, 8],
      [30, 3],
      [1, 2],
      [99_999, 4],
    ] as const) {
      const c = chunkSize(B, T);
      expect(c % (4 * VISIT), `${B} on ${T}`).toBe(0);
      expect(c).toBeGreaterThan(0);
      expect(Math.ceil(B / c), `${B} on ${T}`).toBeLessThanOrEqual(8 * T);
    }
  });

  it('gives every resample once, whichever chunks another thread took first', () => {
    const inp = prepareResamples(input(700, 45));
    const whole = resampleRange(inp, 1, 46);
    const job: ResampleJob = {
      input: inp,
      next: new SharedArrayBuffer(4),
      chunk: 8,
      B: 45,
      segments: 0,
      progress: null,
      state: null,
      stateBytes: 0,
      abort: new SharedArrayBuffer(4),
    };
    // Another thread took chunks 0 and 1 (resamples 1..16): this one takes the rest, in order.
    new Int32Array(job.next)[0] = 2;
    const parts = takeChunks(job);
    expect(parts.map((p) => p.r0)).toEqual([17, 25, 33, 41]);
    expect(parts.flatMap((p) => p.values)).toEqual(whole.slice(16));
    // The counter is exhausted: a late thread finds nothing to do.
    expect(takeChunks(job)).toEqual([]);
  });

  describe('on worker threads', () => {
    const saved = process.env.M4_BOOTSTRAP_THREADS;
    afterEach(() => {
      if (saved === undefined) delete process.env.M4_BOOTSTRAP_THREADS;
      else process.env.M4_BOOTSTRAP_THREADS = saved;
    });

    it('gives the one-thread resamples, in resample order', () => {
      const inp = input(3000, 70);
      const one = resampleRange(inp, 1, 71);
      expect(runResamples(inp, 2)).toEqual(one);
      expect(runResamples(inp, 3)).toEqual(one);
    }, 60_000);

    it('gives them too when the workers start before this thread joins in', () => {
      const inp = replayInput(70_000, 4, 70);
      const one = resampleRange(inp, 1, 71);
      const started = startResamples(inp, 2);
      // This thread busy elsewhere (the point estimate): the worker may take every chunk meanwhile.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
      expect(started.finish()).toEqual(one);
    }, 60_000);

    it('gives them too when a worker stops under its share (this thread does them all, not waits forever)', async () => {
      const inp = replayInput(1_000_000, 5, 280);
      warmResampleWorkers(2);
      await new Promise((r) => setTimeout(r, 1500));
      const started = startResamples(inp, 2);
      const [worker] = resamplePoolTesting.lastWorkers;
      expect(worker).toBeDefined();
      // Let the worker take its job and start sweeping, then end it (as an out-of-memory kill would).
      await new Promise((r) => setTimeout(r, 100));
      await worker!.terminate();
      expect(started.finish()).toEqual(resampleRange(inp, 1, 281));
    }, 120_000);

    it('can be cancelled after the start, and runs again afterwards', () => {
      const inp = input(3000, 70);
      startResamples(inp, 2).cancel();
      expect(runResamples(inp, 2)).toEqual(resampleRange(inp, 1, 71));
    }, 60_000);

    it('gives them too when a range is swept segment by segment on several threads', async () => {
      const inp = replayInput(140_000, 9, 70, true);
      // A warm worker (loading its code takes a while), so that it likely takes some of the chunks:
      // whoever takes them, the resamples are the same.
      warmResampleWorkers(2);
      await new Promise((r) => setTimeout(r, 1500));
      expect(runResamples(inp, 2)).toEqual(resampleRange(inp, 1, 71));
    }, 60_000);

    it('gives them too for a replay in order: consecutive ids, rankings carrying their positive flags', () => {
      const metrics = ['accuracy', 'auroc', 'auprc', 'log_loss', 'brier'];
      const plain = binaryResampleInput(5000, metrics, { ties: 50, outOfRange: false, seed: 3, bootstrap: 70, consecutive: true, idOffset: 1000 });
      const s = plain.store!;
      // As the result builds them: labels in shared memory, the rankings' flags from the sort.
      const label = sharedArray(Uint8Array, s.n);
      label.set(s.label as Uint8Array);
      const rank = (x: Float32Array | Float64Array) =>
        rankFlagged({ values: x, stride: 1, column: 0, rows: null, n: s.n, labels: label, positive: 1 }, { a: null, b: null }).ranking;
      const flagged: ResampleInput = { ...plain, store: { ...s, label }, rc: rank(s.control), rt: rank(s.treatment) };
      expect(flagged.rc!.flagged).toBeDefined();
      expect(runResamples(flagged, 2)).toEqual(resampleRange(plain, 1, 71, false));
    }, 60_000);
  });
});
