/**
 * Metrics benchmark: the comparison accumulator exactly as `m4c run` / `m4c compare` drive it
 * (`createComparison`, `update` per batch, `result`), next to the same calls on the code at
 * `--before` (default: the commit before the bootstrap redesign), measured in the same run — these
 * shared machines drift 1.3–1.5× between runs, so only same-run ratios mean anything.
 *
 *   npx tsx bench/metrics.ts [--rows 10000000] [--boot-rows 1000000] [--resamples 1000] [--before cd5daff] [--only 1,2,3] [--repeats 3]
 *
 * 1. Update throughput, counting metrics only (two models, 10M rows).
 * 2. Default binary metrics without bootstrap: update, then the result (two rankings, AUROC, AUPRC,
 *    DeLong, ROC/PR curves) — target ≤ 1 s at 10M rows. The current code twice: as `m4c run` runs it
 *    (from 8M rows the two models' rankings and walks on two threads, rank-thread.ts) and on one thread.
 * 3. The paired bootstrap, default binary metrics, 1,000 resamples of 1M rows: update + result —
 *    target ≤ 2 s; the result's CPU seconds (all threads) too. The intervals of both versions are printed (they agree in distribution, not bit
 *    for bit: the resampling scheme changed).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { importAtRef } from './support/code-at-ref.ts';
import { binaryScores } from './support/binary-scores.ts';
import type { ComparisonAccumulator, ComparisonSpec } from '../stdlib/metrics/comparison-types.ts';
import type { ComparisonResult, ModelMetricResult } from '../plan/result-types.ts';
import { defaultMetrics } from '../stdlib/metrics/catalogue.ts';
import * as current from '../stdlib/metrics/comparison.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

const ROWS = Number(arg('rows', '10000000'));
const BOOT_ROWS = Number(arg('boot-rows', '1000000'));
const RESAMPLES = Number(arg('resamples', '1000'));
const BEFORE = arg('before', 'cd5daff');
const REPEATS = Number(arg('repeats', '3'));
const ONLY = new Set(arg('only', '1,2,3').split(',').map(Number));

type Create = (spec: ComparisonSpec) => ComparisonAccumulator;

/** Deterministic data: 30% positives, float32 scores in [0, 1] that separate the classes partly. */
const data = binaryScores;

function time<T>(f: () => T): [number, T] {
  const t0 = performance.now();
  const v = f();
  return [(performance.now() - t0) / 1000, v];
}

/**
 * CPU seconds of the main thread alone (Linux: /proc/self/task/<pid>/stat, in clock ticks of 10 ms;
 * NaN elsewhere). With the rankings on two threads it is the result's critical path when the other
 * thread has a core of its own: what the wall time would be on two idle cores, which this shared
 * machine rarely has.
 */
function mainThreadCpu(): number {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function feed(acc: ComparisonAccumulator, d: ReturnType<typeof data>, n: number): void {
  const BS = 65536;
  for (let a = 0; a < n; a += BS) {
    const b = Math.min(n, a + BS);
    acc.update({
      rows: b - a,
      width: 1,
      rowIds: d.ids.subarray(a, b),
      control: d.control.subarray(a, b),
      treatment: d.treatment.subarray(a, b),
      label: d.label.subarray(a, b),
    });
  }
}

const spec = (metrics: string[], bootstrap: number): ComparisonSpec => ({
  task: { kind: 'binary', threshold: 0.5 },
  metrics,
  hasLabel: true,
  hasSlices: false,
  bootstrap,
  seed: 1,
  confidence: 0.95,
  maxSlices: 10,
});
const COUNTING = ['tp', 'fp', 'tn', 'fn', 'accuracy', 'precision', 'recall', 'f1', 'specificity', 'balanced_accuracy', 'mcc'];
const fmt = (s: number): string => `${s.toFixed(2)} s`.padStart(8);
const rate = (n: number, s: number): string => `${(n / s / 1e6).toFixed(1)}M rows/s`;

const before = (await importAtRef<{ createComparison: Create }>(BEFORE, 'stdlib/metrics/comparison.ts')).createComparison;
const versions: [string, Create][] = [
  ['now', current.createComparison],
  [`before (${BEFORE})`, before],
];

console.log(`# m4 metrics benchmark — node ${process.version}, ${availableParallelism()} cores; same-run baseline: the code at ${BEFORE}`);
console.log(
  `# command: npx tsx bench/metrics.ts --rows ${ROWS} --boot-rows ${BOOT_ROWS} --resamples ${RESAMPLES} --before ${BEFORE} --only ${[...ONLY].join(',')}; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores\n`,
);
const d = data(ROWS, 12345);

if (ONLY.has(1)) {
  console.log(`1. update, counting metrics only, ${ROWS.toLocaleString('en')} rows, batches of 65,536`);
  for (const [name, create] of versions) {
    const [t] = time(() => feed(create(spec(COUNTING, 0)), d, ROWS));
    console.log(`   ${name.padEnd(22)} ${fmt(t)}  ${rate(ROWS, t)}`);
  }
}

if (ONLY.has(2)) {
  console.log(
    `\n2. default binary metrics, no bootstrap, ${ROWS.toLocaleString('en')} rows: update / result (2 rankings, AUROC, AUPRC, DeLong, curves) — target result ≤ 1 s`,
  );
  console.log(`   (the results are timed ${REPEATS}× each, the versions alternating, so that both see the same load; wall min and median, CPU min)`);
  // The current code also on one thread (its rankings' worker thread off: M4_RANK_THREAD_ROWS out of reach).
  const oneThread = 'now, one thread';
  const accs = [versions[0]!, [oneThread, current.createComparison] as [string, Create], ...versions.slice(1)].map(([name, create]) => {
    const acc = create(spec(defaultMetrics('binary', true), 0));
    const [tu] = time(() => feed(acc, d, ROWS));
    return { name, acc, tu, tr: [] as number[], cpu: [] as number[], main: [] as number[], r: null as ComparisonResult | null };
  });
  const saved = process.env.M4_RANK_THREAD_ROWS;
  for (let k = 0; k < REPEATS; k++)
    for (const v of accs) {
      if (v.name === oneThread) process.env.M4_RANK_THREAD_ROWS = String(2 ** 52);
      else if (saved === undefined) delete process.env.M4_RANK_THREAD_ROWS;
      else process.env.M4_RANK_THREAD_ROWS = saved;
      // CPU time too (every thread of the process): on a loaded machine (load average ≫ cores) it moves far less than wall time.
      const c0 = process.cpuUsage(),
        m0 = mainThreadCpu();
      const [tr, r] = time(() => v.acc.result());
      const c = process.cpuUsage(c0);
      v.main.push(mainThreadCpu() - m0);
      v.tr.push(tr);
      v.cpu.push((c.user + c.system) / 1e6);
      v.r = r;
    }
  for (const v of accs) {
    const sorted = [...v.tr].sort((a, b) => a - b),
      cpu = [...v.cpu].sort((a, b) => a - b),
      main = [...v.main].sort((a, b) => a - b);
    const d = v.r!.tests.delong!;
    console.log(
      `   ${v.name.padEnd(22)} update ${fmt(v.tu)}  result wall min ${fmt(sorted[0]!)} median ${fmt(sorted[sorted.length >> 1]!)}  (${v.tr.map((x) => x.toFixed(2)).join(', ')}), CPU min ${fmt(cpu[0]!)} (main thread ${fmt(main[0]!)})  DeLong z ${d.z.toFixed(6)} se ${d.se.toExponential(9)}`,
    );
  }
}

if (ONLY.has(3)) {
  console.log(`\n3. paired bootstrap, ${RESAMPLES} resamples, ${BOOT_ROWS.toLocaleString('en')} rows, default binary metrics — target ≤ 2 s`);
  const db = data(BOOT_ROWS, 999);
  for (const [name, create] of versions) {
    const acc = create(spec(defaultMetrics('binary', true), RESAMPLES));
    const [tu] = time(() => feed(acc, db, BOOT_ROWS));
    // CPU seconds of the result, every thread of the process (the bootstrap's workers included): on a
    // loaded machine wall time mostly measures the other processes.
    const c0 = process.cpuUsage();
    const [tr, r] = time(() => acc.result());
    const cpu = process.cpuUsage(c0);
    const iv = (m: string): string => {
      const x = (r.metrics.find((y) => y.name === m) as ModelMetricResult).intervals.delta!;
      return `${m}.delta [${x.low?.toFixed(5)}, ${x.high?.toFixed(5)}]`;
    };
    console.log(
      `   ${name.padEnd(22)} update ${fmt(tu)}  result ${fmt(tr)} (CPU ${fmt((cpu.user + cpu.system) / 1e6)})  total ${fmt(tu + tr)}   ${iv('accuracy')} ${iv('auroc')} ${iv('log_loss')}`,
    );
  }
}
