/**
 * What a window close of `m4c serve` costs its judging thread: the fraud example's comparison fed N pairs, all
 * labelled (every metric, intervals by bootstrap), then the window judged and the cumulative state judged — the
 * work that runs on the comparisons' thread (runtime/serve/comparisons-thread.ts), and that held up every answer
 * while it ran on the event loop.
 *
 *   M4_BOOTSTRAP_THREADS=1 npx tsx bench/serve-judge.ts [N=100000]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../compiler/compile.ts';
import type { RunMeta } from '../plan/record-types.ts';
import type { ComparisonParents } from '../runtime/comparison-batch.ts';
import { runMeta, subjectOf } from '../runtime/run-meta.ts';
import { OnlineComparisons } from '../runtime/serve/online-comparisons.ts';
import { SeededRandom } from '../tools/seeded-random.ts';

const plan = compileFile(join(import.meta.dirname, '../examples/fraud/ab.m4')).plan!;
const subject = subjectOf(plan);
const N = Number(process.argv[2] ?? 100_000);
const BATCH = 1000;
const REGIONS = ['eu', 'us', 'apac'];
const online = new OnlineComparisons(subject, new Set(['v2_vs_v1']));
const rng = new SeededRandom(7);
const meta = (window: number | null): RunMeta => ({
  ...runMeta(subject, { dataPath: null, stats: null, startedAt: new Date(), endedAt: new Date(), interrupted: false, runId: 'bench' }),
  serve: { run: 'bench', window },
});
for (let first = 0; first < N; first += BATCH) {
  const control = new Float32Array(BATCH);
  const treatment = new Float32Array(BATCH);
  const label = new BigInt64Array(BATCH);
  const region: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    const y = rng.next() < 0.3 ? 1 : 0;
    label[i] = BigInt(y);
    control[i] = 0.5 * y + 0.5 * rng.next();
    treatment[i] = 0.55 * y + 0.45 * rng.next();
    region.push(REGIONS[i % 3]!);
  }
  const p = {
    control: { dtype: 'f32', data: control, dims: [BATCH] },
    treatment: { dtype: 'f32', data: treatment, dims: [BATCH] },
    label: { dtype: 'i64', data: label, dims: [BATCH] },
    slice: { dtype: 'str', data: region, dims: [BATCH] },
    rowIds: Float64Array.from({ length: BATCH }, (_, i) => first + i),
  } as ComparisonParents;
  online.addPairs('v2_vs_v1', p);
  online.addLabelled('v2_vs_v1', p);
}
let t = performance.now();
online.closeWindow(meta(0));
const windowMs = performance.now() - t;
t = performance.now();
online.outcome('cumulative', meta(null));
const cumulativeMs = performance.now() - t;
console.log(
  `${N.toLocaleString('en-US')} labelled pairs: the window judged in ${windowMs.toFixed(0)} ms, then the cumulative state in ${cumulativeMs.toFixed(0)} ms (load average ${loadavg()[0]!.toFixed(1)})`,
);
