/**
 * The comparison's result for two models at 10M rows (bench/metrics.ts line 2's accumulator and data) as
 * `m4c run` meets it: the FIRST result of a fresh process, whose rankings run on two threads (from 8M rows,
 * rank-thread.ts), then a second one. Each version runs in child processes of its own, alternating with the
 * code at `--before`, `--runs` times; per result it prints the wall time, the process's CPU, and each thread's
 * CPU (/proc/self/task/<tid>/schedstat): the main thread's (the control's share and DeLong's row pass) and the
 * rank worker's (the treatment's share). On two free cores the wall time is about the larger of the two; on a
 * loaded machine the per-thread CPU is the figure to compare.
 *
 *   npx tsx bench/result-threads.ts [--rows 10000000] [--before 3c80392] [--runs 3] [--results 2]
 *
 * With `M4_RANK_THREAD_ROWS=4503599627370496` (out of reach) both models' shares run on the main thread, as below 8M
 * rows (the main job's result phase at 1M and 4M rows); the "rank worker" column then shows the busiest other thread.
 *
 * Linux only (/proc).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { importAtRef } from './support/code-at-ref.ts';
import { binaryScores } from './support/binary-scores.ts';
import type { ComparisonAccumulator, ComparisonSpec } from '../stdlib/metrics/comparison-types.ts';
import { defaultMetrics } from '../stdlib/metrics/catalogue.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const ROWS = Number(arg('rows', '10000000'));
const BEFORE = arg('before', '3c80392');
const RUNS = Number(arg('runs', '3'));
const RESULTS = Number(arg('results', '2'));
const CHILD = arg('child', '');

/** CPU seconds of every thread of this process that has run at all, by thread id. */
function threadCpu(): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      m.set(t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e9);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return m;
}

async function child(ref: string): Promise<void> {
  type Create = (spec: ComparisonSpec) => ComparisonAccumulator;
  const create =
    ref === 'now'
      ? (await import('../stdlib/metrics/comparison.ts')).createComparison
      : (await importAtRef<{ createComparison: Create }>(ref, 'stdlib/metrics/comparison.ts')).createComparison;
  // bench/metrics.ts's data.
  const n = ROWS;
  const { label, control, treatment, ids } = binaryScores(n, 12345);
  const acc = create({
    task: { kind: 'binary', threshold: 0.5 },
    metrics: defaultMetrics('binary', true),
    hasLabel: true,
    hasSlices: false,
    bootstrap: 0,
    seed: 1,
    confidence: 0.95,
    maxSlices: 10,
  });
  for (let a = 0; a < n; a += 65536) {
    const b = Math.min(n, a + 65536);
    acc.update({
      rows: b - a,
      width: 1,
      rowIds: ids.subarray(a, b),
      control: control.subarray(a, b),
      treatment: treatment.subarray(a, b),
      label: label.subarray(a, b),
    });
  }
  // Let the rank worker load and warm its kernels, as it does during a replay.
  await new Promise((r) => setTimeout(r, 1500));
  const main = String(process.pid);
  for (let k = 0; k < RESULTS; k++) {
    const before = threadCpu(),
      c0 = process.cpuUsage(),
      t0 = performance.now();
    const r = acc.result();
    const wall = (performance.now() - t0) / 1000,
      c = process.cpuUsage(c0),
      after = threadCpu();
    const used = [...after].map(([t, v]) => [t, v - (before.get(t) ?? 0)] as const).sort((x, y) => y[1] - x[1]);
    const mainCpu = used.find(([t]) => t === main)?.[1] ?? NaN;
    // The busiest other thread is the rank worker (the compiler and GC threads take a few tens of ms).
    const worker = used.find(([t]) => t !== main)?.[1] ?? NaN;
    console.log(
      `   ${ref.padEnd(10)} result ${k + 1}: wall ${wall.toFixed(2)} s  CPU ${((c.user + c.system) / 1e6).toFixed(2)} s  main thread ${mainCpu.toFixed(2)} s  rank worker ${worker.toFixed(2)} s  DeLong z ${r.tests.delong!.z.toFixed(6)}`,
    );
  }
}

if (CHILD !== '') await child(CHILD);
else {
  console.log(`# m4 result threads — node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}`);
  console.log(`# command: npx tsx bench/result-threads.ts --rows ${ROWS} --before ${BEFORE} --runs ${RUNS} --results ${RESULTS}`);
  console.log(`${ROWS.toLocaleString('en')} rows, two models, no bootstrap: each result of a fresh process (the first is what m4c run meets)`);
  const self = fileURLToPath(import.meta.url);
  for (let r = 0; r < RUNS; r++)
    for (const ref of ['now', BEFORE]) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, '--rows', String(ROWS), '--results', String(RESULTS), '--child', ref], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      process.stdout.write(out);
    }
  console.log(`# load average at the end ${loadavg()[0]!.toFixed(1)}`);
}
