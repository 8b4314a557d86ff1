/**
 * Replay throughput of the executor, measured next to baselines in the same run:
 *
 * 1. rows/s of an A/B graph (two MLPs 30 → 256 → 256 → 2 on the same 30-feature input) over a JSONL
 *    replay: m4 (data source + executor, engine auto) vs a hand-written onnxruntime-node script doing
 *    the same work as well as it can be done (streamed read, JSON.parse into a preallocated
 *    Float32Array, batch 1024, one worker per model with one intra-op thread, parsing of the next
 *    batch overlapped with inference). Target: m4 ≥ 0.9× the hand-written rate. m4 with
 *    `--engine main` is printed too, for reference.
 * 2. per-node overhead of the executor over a raw `session.run` at batch 1 (µs).
 * 3. peak RSS of `m4c run` replays of 1M and 4M rows, each in a child process (flat memory: within 10%).
 *
 *     npx tsx bench/run-throughput.ts [--rows 1000000] [--rss-rows 1000000,4000000] [--no-rss] [--repeat 2]
 *
 * Data files are generated once into /tmp/m4-bench-run/ and reused.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { createExecutor } from '../runtime/executor.ts';
import { loadPlan } from '../runtime/plan-load.ts';
import { openSource } from '../runtime/sources/index.ts';
import { batchOf } from '../test/runtime/support/batches.ts';
import { FEATURES } from '../test/runtime/support/plans.ts';
import type { Plan } from '../plan/plan-types.ts';
import { benchPlan, replayFile, singleModelPlan, warm } from './run-fixtures.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const ROWS = Number(arg('rows', '1000000'));
const RSS_ROWS = arg('rss-rows', '1000000,4000000').split(',').map(Number);
const REPEAT = Number(arg('repeat', '2'));
const BATCH = 1024;
const BIN = resolve(import.meta.dirname, '../bin/m4c.js');

// ---------------------------------------------------------------------------------------------
// 1. Throughput.

async function m4Replay(
  planPath: string,
  data: string,
  engine: 'auto' | 'main' = 'auto',
): Promise<{ rows: number; seconds: number; engine: string }> {
  const loaded = loadPlan(planPath);
  const ex = await createExecutor(loaded, { batchSize: BATCH, engine });
  try {
    const t0 = performance.now();
    const source = openSource(data, { inputs: loaded.plan.inputs, batchSize: BATCH, onBadRow: 'skip' });
    let checksum = 0;
    const r = await ex.run(source, {
      onOutputs: (b) => {
        checksum += (b.values.p2.data as Float32Array)[1];
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (!Number.isFinite(checksum)) throw new Error('bad outputs');
    return { rows: r.rows, seconds, engine: `${ex.engine} (${ex.workerCount} workers)` };
  } finally {
    await ex.close();
  }
}

/** The hand-written contender's worker: plain CommonJS, one session, one intra-op thread. */
function baselineWorker(model: string): Promise<Worker> {
  const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const ort = require(${JSON.stringify(ortPath)});
    ort.InferenceSession.create(workerData, { intraOpNumThreads: 1, interOpNumThreads: 1 }).then((s) => {
      parentPort.on('message', async ({ x, n }) => {
        const r = await s.run({ x: new ort.Tensor('float32', x, [n, ${FEATURES}]) });
        const p = r.probabilities.data;
        parentPort.postMessage(p, [p.buffer]);
      });
      parentPort.postMessage('ready');
    });`;
  const w = new Worker(code, { eval: true, workerData: model });
  return new Promise((res) => w.once('message', () => res(w)));
}

async function handWritten(control: string, treatment: string, data: string): Promise<{ rows: number; seconds: number }> {
  const workers = await Promise.all([baselineWorker(control), baselineWorker(treatment)]);
  const call = (w: Worker, x: Float32Array, n: number, transfer: boolean): Promise<Float32Array> =>
    new Promise((res) => {
      w.once('message', res);
      w.postMessage({ x, n }, transfer ? [x.buffer as ArrayBuffer] : []);
    });
  let checksum = 0;
  const dispatch = async (x: Float32Array, n: number): Promise<void> => {
    const [, p2] = await Promise.all([
      call(workers[0], x.slice(0, n * FEATURES), n, true),
      call(workers[1], n === BATCH ? x : x.slice(0, n * FEATURES), n, true),
    ]);
    checksum += p2[1];
  };
  const t0 = performance.now();
  let rows = 0;
  let buf = new Float32Array(BATCH * FEATURES);
  let n = 0;
  let inflight: Promise<void> = Promise.resolve();
  let rest = '';
  for await (const chunk of createReadStream(data, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const row = JSON.parse(text.slice(start, nl)) as { x: number[] };
      start = nl + 1;
      buf.set(row.x, n * FEATURES);
      if (++n === BATCH) {
        await inflight; // at most one batch in the models while the next one is parsed
        inflight = dispatch(buf, n);
        rows += n;
        buf = new Float32Array(BATCH * FEATURES);
        n = 0;
      }
    }
    rest = text.slice(start);
  }
  await inflight;
  if (n > 0) {
    await dispatch(buf, n);
    rows += n;
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  if (!Number.isFinite(checksum)) throw new Error('bad outputs');
  return { rows, seconds };
}

/** Reading alone, no models: the m4 source vs the hand-written JSON.parse loop (rows/s). */
async function readingOnly(plan: Plan, data: string): Promise<{ source: number; jsonParse: number }> {
  let t = performance.now();
  let rows = 0;
  for await (const b of openSource(data, { inputs: plan.inputs, batchSize: BATCH, onBadRow: 'skip' })) rows += b.rows;
  const source = rows / ((performance.now() - t) / 1000);
  t = performance.now();
  const buf = new Float32Array(BATCH * FEATURES);
  let n = 0;
  let rest = '';
  for await (const chunk of createReadStream(data, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      buf.set((JSON.parse(text.slice(start, nl)) as { x: number[] }).x, (n++ % BATCH) * FEATURES);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  return { source, jsonParse: n / ((performance.now() - t) / 1000) };
}

/**
 * The hand-written dispatch loop fed by m4's data source instead of JSON.parse: isolates what the
 * executor itself costs over the best direct use of the two workers.
 */
async function handWrittenOnSource(plan: Plan, control: string, treatment: string, data: string): Promise<{ rows: number; seconds: number }> {
  const workers = await Promise.all([baselineWorker(control), baselineWorker(treatment)]);
  const call = (w: Worker, x: Float32Array, n: number): Promise<Float32Array> =>
    new Promise((res) => {
      w.once('message', res);
      w.postMessage({ x, n }, [x.buffer as ArrayBuffer]);
    });
  let checksum = 0;
  const t0 = performance.now();
  let rows = 0;
  let inflight: Promise<void> = Promise.resolve();
  for await (const b of openSource(data, { inputs: plan.inputs, batchSize: BATCH, onBadRow: 'skip' })) {
    const x = b.tensors.x.data as Float32Array;
    await inflight;
    inflight = Promise.all([call(workers[0], x.slice(), b.rows), call(workers[1], x, b.rows)]).then(([, p2]) => {
      checksum += p2[1];
    });
    rows += b.rows;
  }
  await inflight;
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  if (!Number.isFinite(checksum)) throw new Error('bad outputs');
  return { rows, seconds };
}

// ---------------------------------------------------------------------------------------------
// 2. Per-node overhead at batch 1.

async function overheadAtBatch1(plan: Plan, model: string): Promise<{ raw: number; m4: number }> {
  const ex = await createExecutor(loadPlan(singleModelPlan(plan)), { engine: 'main' });
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const batch = batchOf(1, { label: false });
  const x = batch.tensors.x!.data as Float32Array;
  const raw = (): Promise<unknown> => session.run({ x: new ort.Tensor('float32', x, [1, FEATURES]) });
  const m4 = (): Promise<unknown> => ex.runBatch(batch);
  const time = async (fn: () => Promise<unknown>, iters: number): Promise<number> => {
    const t = performance.now();
    for (let i = 0; i < iters; i++) await fn();
    return ((performance.now() - t) / iters) * 1000;
  };
  for (let i = 0; i < 3000; i++) {
    await raw();
    await m4();
  }
  const rawS: number[] = [];
  const m4S: number[] = [];
  for (let r = 0; r < 9; r++) {
    rawS.push(await time(raw, 4000));
    m4S.push(await time(m4, 4000));
  }
  await ex.close();
  await session.release();
  const med = (a: number[]): number => a.sort((p, q) => p - q)[a.length >> 1];
  return { raw: med(rawS), m4: med(m4S) };
}

// ---------------------------------------------------------------------------------------------
// 3. Peak RSS of `m4c run` in a child process.

function peakRss(planPath: string, data: string): { kb: number; seconds: number } {
  const report = "data:text/javascript,process.on('exit',()=>process.stderr.write('MAXRSS '+process.resourceUsage().maxRSS+'\\n'))";
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', report, BIN, 'run', planPath, '--data', data, '--quiet', '--batch-size', String(BATCH)], {
    encoding: 'utf8',
  });
  const seconds = (performance.now() - t) / 1000;
  const m = /MAXRSS (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`m4c run failed (${r.status}): ${r.stderr}`);
  return { kb: Number(m[1]), seconds };
}

// ---------------------------------------------------------------------------------------------

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const { plan, planPath, control, treatment } = benchPlan();
console.log(`m4 run throughput — node ${process.version}, onnxruntime-node ${ort.env.versions.common}, batch ${BATCH}`);

const data = replayFile(ROWS);
await warm(data);
const m4Runs: { rows: number; seconds: number; engine: string }[] = [];
const mainRuns: { rows: number; seconds: number; engine: string }[] = [];
const handRuns: { rows: number; seconds: number }[] = [];
const handOnSourceRuns: { rows: number; seconds: number }[] = [];
for (let i = 0; i < REPEAT; i++) {
  m4Runs.push(await m4Replay(planPath, data));
  handRuns.push(await handWritten(control, treatment, data));
  mainRuns.push(await m4Replay(planPath, data, 'main'));
  handOnSourceRuns.push(await handWrittenOnSource(plan, control, treatment, data));
}
if ([...m4Runs, ...mainRuns, ...handRuns, ...handOnSourceRuns].some((r) => r.rows !== ROWS)) throw new Error('row counts differ');
const best = (runs: { rows: number; seconds: number }[]): number => Math.max(...runs.map((r) => r.rows / r.seconds));
const m4Rate = best(m4Runs);
const handRate = best(handRuns);
console.log(`\n1. A/B replay of ${fmt(ROWS)} JSONL rows (two MLPs 30→256→256→2), best of ${REPEAT}:`);
console.log(`   hand-written ORT script : ${fmt(handRate).padStart(9)} rows/s   (runs: ${handRuns.map((r) => r.seconds.toFixed(2)).join(', ')} s)`);
console.log(
  `   m4 executor             : ${fmt(m4Rate).padStart(9)} rows/s   (runs: ${m4Runs.map((r) => r.seconds.toFixed(2)).join(', ')} s; engine ${m4Runs[0].engine})`,
);
console.log(`   ratio m4 / hand-written : ${(m4Rate / handRate).toFixed(2)}   (target >= 0.90)`);
console.log(
  `   m4 --engine main        : ${fmt(best(mainRuns)).padStart(9)} rows/s   (runs: ${mainRuns.map((r) => r.seconds.toFixed(2)).join(', ')} s; both models on the main thread, for reference)`,
);

const onSource = best(handOnSourceRuns);
console.log(
  `   hand-written dispatch over m4's source : ${fmt(onSource)} rows/s; m4 / that = ${(m4Rate / onSource).toFixed(2)} (the executor's own cost)`,
);
const reading = await readingOnly(plan, data);
console.log(`   reading alone (no models): m4 source ${fmt(reading.source)} rows/s, JSON.parse loop ${fmt(reading.jsonParse)} rows/s`);

const o = await overheadAtBatch1(plan, control);
console.log('\n2. Batch 1, one MLP node, main thread (median of 9 × 4000 calls):');
console.log(`   raw session.run   : ${o.raw.toFixed(2)} µs`);
console.log(
  `   executor runBatch : ${o.m4.toFixed(2)} µs   (overhead ${(o.m4 - o.raw).toFixed(2)} µs per model node, ${(o.m4 / o.raw).toFixed(2)}×)`,
);

if (!process.argv.includes('--no-rss')) {
  console.log(`\n3. Peak RSS of \`m4c run ${planPath} --data … --quiet\` (child processes):`);
  const rss: number[] = [];
  for (const rows of RSS_ROWS) {
    const file = replayFile(rows);
    const r = peakRss(planPath, file);
    rss.push(r.kb);
    console.log(
      `   ${fmt(rows).padStart(9)} rows : ${(r.kb / 1024).toFixed(1)} MiB   (${r.seconds.toFixed(1)} s, ${fmt(rows / r.seconds)} rows/s incl. start-up)`,
    );
  }
  if (rss.length > 1) console.log(`   largest / smallest : ${(Math.max(...rss) / Math.min(...rss)).toFixed(3)}   (target <= 1.10)`);
}
