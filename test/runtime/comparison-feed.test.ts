/**
 * runtime/comparison-feed.ts: a replay's comparisons fed on a worker thread give the accumulators —
 * states and results, bootstrap intervals included — that feeding them on the main thread gives, bit
 * for bit, whether the thread starts at the first batch, midway or never; and a batch the worker
 * refuses fails the run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan, PlanTask } from '../../plan/plan-types.ts';
import { createComparisonRun, type ComparisonParents, type ComparisonRun } from '../../runtime/comparison-run.ts';
import { feedStats } from '../../runtime/comparison-feed.ts';
import { runMeta } from '../../runtime/run-meta.ts';
import { comparisonPlan } from '../support/comparison-plan.ts';

function planOf(task: PlanTask, metrics: string[], slices: boolean): Plan {
  return comparisonPlan({
    task,
    metrics,
    slice_by: slices ? { node: 'r', output: 'out' } : null,
    options: { bootstrap: 40, seed: 7, confidence: 0.9, max_slices: 3 },
  });
}

const BINARY = planOf({ kind: 'binary', threshold: 0.5 }, ['accuracy', 'f1', 'auroc', 'auprc', 'log_loss', 'agreement'], true);
const MULTICLASS = planOf({ kind: 'multiclass', top_k: 1 }, ['accuracy', 'auroc', 'log_loss'], false);
const REGRESSION = planOf({ kind: 'regression' }, ['mae', 'rmse', 'spearman'], true);

/**
 * Batches of made-up rows: ties (scores on a grid), a few invalid rows (NaN scores, bad labels), ids with
 * gaps (as a shard's), i64 labels, slices from 5 regions; `f64` scores that are not all float32.
 */
function batches(plan: Plan, n: number, size: number, f64 = false): ComparisonParents[] {
  const kind = plan.comparisons[0]!.task.kind;
  const k = kind === 'multiclass' ? 3 : 1;
  let s = 12345;
  const r = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const out: ComparisonParents[] = [];
  for (let at = 0; at < n; at += size) {
    const m = Math.min(size, n - at);
    const c = new Float64Array(m * k),
      t = new Float64Array(m * k);
    const y = new BigInt64Array(m);
    const ids = new Float64Array(m);
    const region: string[] = [];
    for (let i = 0; i < m; i++) {
      const row = at + i;
      const cls = Math.floor(r() * (kind === 'binary' ? 2 : 3));
      y[i] = BigInt(kind === 'regression' ? Math.round(r() * 100) : cls);
      for (let j = 0; j < k; j++) {
        const grid = (v: number): number => (f64 && row % 5 === 0 ? v + 1e-9 : Math.round(v * 64) / 64);
        c[i * k + j] = grid(kind === 'regression' ? Number(y[i]) + 10 * r() : Math.min(1, 0.2 * +(cls === j) + 0.8 * r()));
        t[i * k + j] = grid(kind === 'regression' ? Number(y[i]) + 5 * r() : Math.min(1, 0.4 * +(cls === j) + 0.6 * r()));
      }
      if (row % 97 === 3) c[i * k] = NaN;
      if (kind === 'binary' && row % 89 === 5) y[i] = 7n;
      ids[i] = row * 2 + (row % 3 === 0 ? 1 : 0);
      region.push(['eu', 'us', 'apac', 'latam', 'mena'][Math.floor(r() * 5)]!);
    }
    const dims = k === 1 ? [m] : [m, k];
    const scores = (a: Float64Array) =>
      f64 ? { dtype: 'f64' as const, data: a, dims } : { dtype: 'f32' as const, data: Float32Array.from(a), dims };
    const b: ComparisonParents = { control: scores(c), treatment: scores(t), label: { dtype: 'i64', data: y, dims: [m] }, rowIds: ids };
    if (plan.comparisons[0]!.slice_by !== null) b.slice = { dtype: 'str', data: region, dims: [m] };
    out.push(b);
  }
  return out;
}

function meta(run: ComparisonRun) {
  return runMeta(run.subject, { dataPath: null, stats: null, startedAt: new Date(0), endedAt: new Date(1000), interrupted: false });
}

/** Feed `bs` through a run (`threadRows`: the feed thread's threshold, or null for no feed thread) and return its states and outcome. */
async function runWith(plan: Plan, bs: ComparisonParents[], threadRows: string | null): Promise<{ states: string; result: unknown }> {
  if (threadRows !== null) process.env.M4_COMPARISON_THREAD_ROWS = threadRows;
  const run = createComparisonRun(plan, { thread: threadRows !== null });
  delete process.env.M4_COMPARISON_THREAD_ROWS;
  for (const b of bs) await run.onBatch('ab', b);
  await run.settle();
  const states = JSON.stringify(run.states());
  const result = run.finish(meta(run)).comparisons[0]!.result;
  return { states, result };
}

afterEach(() => {
  delete process.env.M4_COMPARISON_THREAD_ROWS;
});

describe('comparisons fed on a thread', () => {
  for (const [what, plan, f64] of [
    ['binary, slices, f32 scores', BINARY, false],
    ['binary, f64 scores', BINARY, true],
    ['multiclass', MULTICLASS, false],
    ['regression, slices', REGRESSION, false],
  ] as const) {
    it(`${what}: the same states and results as on the main thread, bit for bit`, async () => {
      const bs = batches(plan, 3000, 211, f64);
      const main = await runWith(plan, bs, null);
      const rows = (main.result as { rows: number }).rows;
      expect(rows).toBeGreaterThan(2800);
      expect(rows).toBeLessThan(3000);
      const threads = feedStats.threads;
      // From the first batch, from midway (the first batches fed in one message), and never (fed at settle).
      for (const threadRows of ['1', '1500', '0']) {
        const other = await runWith(plan, bs, threadRows);
        expect(other.states).toBe(main.states);
        expect(other.result).toEqual(main.result);
      }
      expect(feedStats.threads).toBe(threads + 2);
    }, 60_000);
  }

  it('with the bootstrap on two threads (the feed thread then takes resamples): the same result', async () => {
    process.env.M4_BOOTSTRAP_THREADS = '2';
    try {
      const bs = batches(BINARY, 3000, 211);
      const main = await runWith(BINARY, bs, null);
      for (let i = 0; i < 2; i++) expect((await runWith(BINARY, bs, '1')).result).toEqual(main.result);
    } finally {
      delete process.env.M4_BOOTSTRAP_THREADS;
    }
  }, 60_000);

  it('a batch the worker refuses fails the run (a multiclass width that changes)', async () => {
    process.env.M4_COMPARISON_THREAD_ROWS = '1';
    const run = createComparisonRun(MULTICLASS, { thread: true });
    const bs = batches(MULTICLASS, 400, 100);
    await run.onBatch('ab', bs[0]!);
    const wide = () => ({ dtype: 'f32' as const, data: new Float32Array(4 * 100).fill(0.25), dims: [100, 4] });
    await run.onBatch('ab', { ...bs[1]!, control: wide(), treatment: wide() });
    await expect(run.settle()).rejects.toThrow(/width 4 after batches of width 3/);
    expect(() => run.finish(meta(run))).toThrow(/settle/);
  }, 60_000);

  it('reads nothing before settle, and lets the thread go when disposed', async () => {
    process.env.M4_COMPARISON_THREAD_ROWS = '1';
    const run = createComparisonRun(BINARY, { thread: true });
    await run.onBatch('ab', batches(BINARY, 50, 50)[0]!);
    expect(() => run.states()).toThrow(/settle/);
    run.dispose();
    await expect(run.settle()).rejects.toThrow();
  }, 60_000);
});
