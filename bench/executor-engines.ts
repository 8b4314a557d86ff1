/**
 * Which engine for which batch size: the A/B graph (two MLPs 30 → 256 → 256 → 2 on the same input)
 * through the executor with each engine and thread setting, next to raw sequential `session.run`
 * calls measured in the same run. Figures feed `AUTO_WORKERS_MIN_BATCH` and docs/runtime.md.
 *
 *     npx tsx bench/executor-engines.ts [--quick]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createExecutor, type ExecutorOptions } from '../runtime/executor.ts';
import { loadPlan } from '../runtime/plan-load.ts';
import { batchOf } from '../test/runtime/support/batches.ts';
import { abPlan, FEATURES } from '../test/runtime/support/plans.ts';

const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'm4-bench-engines-'));
const { plan, control, treatment } = abPlan(dir, { hidden: [256, 256] });
plan.comparisons = [];
const loaded = loadPlan(plan);
const sizes = quick ? [1, 64, 1024] : [1, 16, 64, 256, 1024];
const budgetMs = quick ? 300 : 1000;

/** Median of `rounds` timings of `fn` looped for ~budget/rounds ms each; µs per call. */
async function time(fn: () => Promise<unknown>, rounds = 5): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  let per = 0;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 50) { await fn(); n++; }
  per = (performance.now() - t0) / n;
  const iters = Math.max(5, Math.round(budgetMs / rounds / per));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const s = performance.now();
    for (let i = 0; i < iters; i++) await fn();
    samples.push(((performance.now() - s) / iters) * 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function rawSequential(threads: number): Promise<(n: number) => Promise<number>> {
  const opts = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const a = await ort.InferenceSession.create(control, opts);
  const b = await ort.InferenceSession.create(treatment, opts);
  return async (n) => {
    const x = batchOf(n, { label: false }).tensors.x!.data as Float32Array;
    return time(async () => {
      await a.run({ x: new ort.Tensor('float32', x, [n, FEATURES]) });
      await b.run({ x: new ort.Tensor('float32', x, [n, FEATURES]) });
    });
  };
}

const configs: { label: string; opts: ExecutorOptions }[] = [
  { label: 'main, 1 thread', opts: { engine: 'main', intraOpThreads: 1 } },
  { label: 'main, 2 threads (spinning off)', opts: { engine: 'main', intraOpThreads: 2 } },
  { label: 'workers, 1 thread each', opts: { engine: 'workers', intraOpThreads: 1 } },
];

console.log(`A/B pair of MLPs 30→256→256→2, µs per batch (median), node ${process.version}, onnxruntime-node ${ort.env.versions.common}`);
const rows: string[][] = [['batch', 'raw seq 1t', 'raw seq 2t', ...configs.map((c) => c.label), 'workers ÷ main 1t']];
const raw1 = await rawSequential(1);
const raw2 = await rawSequential(2);
const executors = await Promise.all(configs.map((c) => createExecutor(loaded, c.opts)));
for (const n of sizes) {
  const batch = batchOf(n, { label: false });
  const r1 = await raw1(n);
  const r2 = await raw2(n);
  const ex: number[] = [];
  for (const e of executors) ex.push(await time(() => e.runBatch(batch)));
  rows.push([String(n), r1.toFixed(1), r2.toFixed(1), ...ex.map((v) => v.toFixed(1)), (ex[0] / ex[2]).toFixed(2)]);
}
await Promise.all(executors.map((e) => e.close()));
rmSync(dir, { recursive: true, force: true });

const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c])).join('  '));
console.log('(last column > 1: workers are faster than the main thread at that batch size)');
