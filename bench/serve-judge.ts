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
import { runMeta, subjectOf } from '../runtime/run-meta.ts';
import { OnlineComparisons } from '../runtime/serve/online-comparisons.ts';
import { SeededRandom } from '../tools/seeded-random.ts';
import { syntheticPairs } from '../tools/synthetic-pairs.ts';

const plan = compileFile(join(import.meta.dirname, '../examples/fraud/ab.m4')).plan!;
const subject = subjectOf(plan);
const N = Number(process.argv[2] ?? 100_000);
const BATCH = 1000;
const online = new OnlineComparisons(subject, new Set(['v2_vs_v1']));
const rng = new SeededRandom(7);
const meta = (window: number | null): RunMeta => ({
  ...runMeta(subject, { dataPath: null, stats: null, startedAt: new Date(), endedAt: new Date(), interrupted: false, runId: 'bench' }),
  serve: { run: 'bench', window },
});
for (let first = 0; first < N; first += BATCH) {
  const p = syntheticPairs(rng, first, BATCH);
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
