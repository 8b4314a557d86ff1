/**
 * The two models' rankings and walks on two threads (rank-thread.ts): the result must be the
 * one-thread result bit for bit — every metric, interval, bootstrap distribution, DeLong statistic
 * and curve point — whether the worker ran the treatment's share or the main thread took it back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createComparison } from '../../../stdlib/metrics/comparison.ts';
import type { ComparisonSpec } from '../../../stdlib/metrics/comparison-types.ts';
import type { ComparisonResult } from '../../../plan/result-types.ts';
import { rankThreadOptions, rankThreadReady, rankThreadStats, stopRankThreadForTests, warmRankThread } from '../../../stdlib/metrics/rank-thread.ts';
import { batchOf, specFor, synthesize, type Dataset } from './support/synthetic.ts';

const saved = process.env.M4_RANK_THREAD_ROWS;

function result(d: Dataset, spec: ComparisonSpec, order: number[], threadRows: string): ComparisonResult {
  process.env.M4_RANK_THREAD_ROWS = threadRows;
  const acc = createComparison(spec);
  for (let a = 0; a < order.length; a += 700) acc.update(batchOf(d, order.slice(a, a + 700), spec));
  return acc.result();
}

/** One thread (the threshold out of reach) against two (from 1 row), the worker running its share. */
function bothWays(d: Dataset, spec: ComparisonSpec, order: number[] = [...Array(d.n).keys()]): ComparisonResult {
  const one = result(d, spec, order, String(2 ** 40));
  const before = rankThreadStats.worker;
  rankThreadOptions.takeBack = false;
  const two = result(d, spec, order, '1');
  rankThreadOptions.takeBack = true;
  expect(rankThreadStats.worker).toBe(before + 1);
  expect(two).toEqual(one);
  // Taken back or not (it depends on the machine's load): the same result.
  expect(result(d, spec, order, '1')).toEqual(one);
  return one;
}

describe('rankings on two threads', () => {
  beforeAll(async () => {
    warmRankThread();
    const t0 = Date.now();
    while (!rankThreadReady() && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 20));
    expect(rankThreadReady()).toBe(true);
  }, 130_000);
  afterAll(() => {
    if (saved === undefined) delete process.env.M4_RANK_THREAD_ROWS;
    else process.env.M4_RANK_THREAD_ROWS = saved;
    rankThreadOptions.takeBack = true;
  });

  it('gives the one-thread result: ties, invalid rows, slices, shuffled batches', () => {
    for (const seed of [1, 2, 3]) {
      const d = synthesize('binary', 4000, seed, { invalid: true });
      const order = [...Array(d.n).keys()];
      if (seed === 2) order.reverse();
      const r = bothWays(d, specFor('binary', { bootstrap: 0 }), order);
      expect(r.tests.delong).not.toBeNull();
      expect(r.charts.roc).not.toBeNull();
    }
  }, 60_000);

  it('gives the one-thread result on many rows: the MSD sort, DeLong numerators over several row blocks, the control’s ordered by the row pass', () => {
    // 100,000 rows: over the MSD sort's 2^16 and three of DeLong's 2^15-row blocks, so the main thread's
    // numerators, left partitioned by row block, are gathered block by block in the row pass.
    const d = synthesize('binary', 100_000, 7);
    const r = bothWays(d, specFor('binary', { bootstrap: 0 }));
    expect(r.tests.delong).not.toBeNull();
  }, 60_000);

  it('gives the one-thread bootstrap (the resamples read the worker-built ranking)', () => {
    bothWays(synthesize('binary', 3000, 7), specFor('binary', { bootstrap: 30 }));
  }, 60_000);

  it('gives the one-thread result without DeLong, and when a class is missing or DeLong is undefined', () => {
    bothWays(synthesize('binary', 2000, 11), specFor('binary', { metrics: ['accuracy', 'auprc', 'ks'], bootstrap: 0 }));
    const d = synthesize('binary', 1500, 12);
    d.label.fill(0);
    const none = bothWays(d, specFor('binary', { bootstrap: 0 }));
    expect(none.tests.reasons.delong).toMatch(/two positive rows/);
    d.label[5] = 1;
    const one = bothWays(d, specFor('binary', { bootstrap: 0 }));
    expect(one.tests.reasons.delong).toMatch(/got 1/);
  }, 60_000);

  // Last: it stops the worker. A worker that is gone while the main thread waits for it (here: told to
  // wait rather than take the job back) must not hold the result forever; the share is done on the main thread.
  it('gives the one-thread result when the worker stopped under it', async () => {
    await stopRankThreadForTests();
    const d = synthesize('binary', 3000, 7, {});
    const spec = specFor('binary', { bootstrap: 0 });
    const order = [...Array(d.n).keys()];
    const one = result(d, spec, order, String(2 ** 40));
    const before = rankThreadStats.worker;
    rankThreadOptions.takeBack = false;
    const two = result(d, spec, order, '1');
    rankThreadOptions.takeBack = true;
    expect(rankThreadStats.worker).toBe(before);
    expect(two).toEqual(one);
    expect(rankThreadReady()).toBe(false);
  }, 60_000);
});
