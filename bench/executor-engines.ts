/**
 * Which engine for which graph and batch size. Two MLPs 30 → 256 → 256 → 2, all figures from this
 * one invocation:
 *
 * 1. one batch already in memory (`runBatch`): the executor with each engine and thread setting,
 *    next to raw sequential `session.run` calls — the cost of a worker round trip vs. the gain of
 *    running control and treatment on two cores;
 * 2. a replay through the JSONL source (`run`), where workers also overlap parsing with inference:
 *    the A/B graph and a one-model graph, main thread vs workers, per batch size.
 *
 * The figures set `AUTO_WORKERS_MIN_BATCH` and are quoted in docs/runtime.md.
 *
 *     npx tsx bench/executor-engines.ts [--quick] [--rows 100000]
 */
import * as ort from 'onnxruntime-node';
import type { Plan } from '../plan/plan-types.ts';
import { createExecutor, type ExecutorOptions } from '../runtime/executor.ts';
import { loadPlan } from '../runtime/plan-load.ts';
import { openSource } from '../runtime/sources/index.ts';
import { batchOf } from '../test/runtime/support/batches.ts';
import { FEATURES } from '../test/runtime/support/plans.ts';
import { benchPlan, replayFile, singleModelPlan, warm } from './run-fixtures.ts';

const quick = process.argv.includes('--quick');
const rowsArg = process.argv.indexOf('--rows');
const REPLAY_ROWS = rowsArg >= 0 ? Number(process.argv[rowsArg + 1]) : 100_000;
const sizes = quick ? [1, 64, 1024] : [1, 16, 64, 256, 1024];
const budgetMs = quick ? 300 : 1000;
const REPEAT = quick ? 1 : 3;

/** Median of 5 timings of `fn` looped for ~budget/5 ms each; µs per call. */
async function time(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 50) {
    await fn();
    n++;
  }
  const per = (performance.now() - t0) / n;
  const iters = Math.max(5, Math.round(budgetMs / 5 / per));
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const s = performance.now();
    for (let i = 0; i < iters; i++) await fn();
    samples.push(((performance.now() - s) / iters) * 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[2];
}

function table(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(`  ${r.map((v, c) => v.padStart(widths[c])).join('  ')}`);
}

const { plan, control, treatment } = benchPlan();
const loaded = loadPlan(plan);
console.log(`Engines — two MLPs 30→256→256→2, node ${process.version}, onnxruntime-node ${ort.env.versions.common}`);

// 1. One batch in memory.
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
  { label: 'main 1t', opts: { engine: 'main', intraOpThreads: 1 } },
  { label: 'main 2t no-spin', opts: { engine: 'main', intraOpThreads: 2 } },
  { label: 'workers 1t', opts: { engine: 'workers', intraOpThreads: 1 } },
];
console.log('\n1. A/B pair, one batch in memory: µs per batch (median)');
const rows: string[][] = [['batch', 'raw seq 1t', 'raw seq 2t', ...configs.map((c) => c.label), 'main 1t ÷ workers']];
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
table(rows);

// 2. Replays through the source.
async function replayRate(p: Plan, data: string, engine: 'main' | 'workers', batchSize: number): Promise<number> {
  const ex = await createExecutor(loadPlan(p), { engine, batchSize });
  try {
    const source = openSource(data, { inputs: p.inputs, batchSize, onBadRow: 'skip' });
    const t0 = performance.now();
    const r = await ex.run(source, { onOutputs: () => {} });
    return r.rows / ((performance.now() - t0) / 1000);
  } finally {
    await ex.close();
  }
}

const data = replayFile(REPLAY_ROWS);
await warm(data);
console.log(`\n2. Replay of ${REPLAY_ROWS.toLocaleString('en-US')} JSONL rows: rows/s, best of ${REPEAT} (start-up excluded)`);
const replayRows: string[][] = [['batch', 'A/B main', 'A/B workers', 'workers ÷ main', '1 model main', '1 model workers', 'workers ÷ main']];
const single = singleModelPlan(plan);
for (const n of sizes.filter((s) => s >= 16)) {
  // Interleaved repetitions, best of each: the machine is shared and load comes and goes.
  const best = [0, 0, 0, 0];
  for (let rep = 0; rep < REPEAT; rep++) {
    const rates = [
      await replayRate(plan, data, 'main', n),
      await replayRate(plan, data, 'workers', n),
      await replayRate(single, data, 'main', n),
      await replayRate(single, data, 'workers', n),
    ];
    rates.forEach((r, i) => {
      best[i] = Math.max(best[i], r);
    });
  }
  const [abMain, abWorkers, oneMain, oneWorkers] = best;
  const f = (v: number): string => Math.round(v).toLocaleString('en-US');
  replayRows.push([
    String(n),
    f(abMain),
    f(abWorkers),
    (abWorkers / abMain).toFixed(2),
    f(oneMain),
    f(oneWorkers),
    (oneWorkers / oneMain).toFixed(2),
  ]);
}
table(replayRows);
console.log('(ratios > 1: workers are faster at that batch size)');
