/**
 * Memory of the comparison's result phase: the accumulator exactly as `m4c run` drives it
 * (`createComparison`, `update` per batch of 65,536, `result(true)`: the run's last) on `bench/metrics.ts`'s kind of data,
 * each version in a child process of its own: RSS before `result()` (after two garbage collections
 * and a pause that lets the warm bootstrap workers load) and the peak during it (VmHWM of
 * /proc/self/status, reset just before), with the result's wall and CPU seconds. The code at
 * `--before` (a git ref) runs in the same run, alternating with this tree's, `--repeats` times each.
 *
 *   npx tsx bench/result-memory.ts [--rows 4000000] [--resamples 1000] [--before main] [--repeats 2]
 *
 * Linux only (clear_refs, VmHWM). What it isolates: the result phase's own memory, which the main
 * job's peak RSS (bench/main-job.ts) mixes with the replay's garbage and the models.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { importAtRef } from './support/code-at-ref.ts';
import type { ComparisonAccumulator, ComparisonSpec } from '../stdlib/metrics/comparison-types.ts';
import { defaultMetrics } from '../stdlib/metrics/catalogue.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const ROWS = Number(arg('rows', '4000000'));
const RESAMPLES = Number(arg('resamples', '1000'));
const BEFORE = arg('before', 'main');
const REPEATS = Number(arg('repeats', '2'));
const CHILD = arg('child', '');

type Create = (spec: ComparisonSpec) => ComparisonAccumulator;

/** MB of a line of /proc/self/status (VmRSS, VmHWM). */
function statusMb(key: string): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(key))!;
  return Number(/(\d+) kB/.exec(line)![1]) / 1024;
}

async function child(version: string): Promise<void> {
  const create: Create =
    version === 'now'
      ? (await import('../stdlib/metrics/comparison.ts')).createComparison
      : (await importAtRef<{ createComparison: Create }>(version, 'stdlib/metrics/comparison.ts')).createComparison;
  const acc = create({
    task: { kind: 'binary', threshold: 0.5 },
    metrics: defaultMetrics('binary', true),
    hasLabel: true,
    hasSlices: false,
    bootstrap: RESAMPLES,
    seed: 1,
    confidence: 0.95,
    maxSlices: 10,
  });
  // 30% positives, float32 scores that separate the classes partly; ids 0..n-1 (a replay in order).
  let s = 999;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296);
  for (let a = 0; a < ROWS; a += 65536) {
    const m = Math.min(65536, ROWS - a);
    const label = new Uint8Array(m),
      control = new Float32Array(m),
      treatment = new Float32Array(m),
      ids = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const y = +(rnd() < 0.3);
      label[i] = y;
      control[i] = Math.min(1, 0.35 * y + 0.65 * rnd());
      treatment[i] = Math.min(1, 0.4 * y + 0.6 * rnd());
      ids[i] = a + i;
    }
    acc.update({ rows: m, width: 1, rowIds: ids, control, treatment, label });
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  await new Promise((r) => setTimeout(r, 1500));
  writeFileSync('/proc/self/clear_refs', '5');
  const before = statusMb('VmRSS:');
  const t0 = performance.now(),
    c0 = process.cpuUsage();
  // The run's last result, as `m4c run` asks for it (it may spend the stored rows; older code ignores the flag).
  acc.result(true);
  const wall = (performance.now() - t0) / 1000,
    c = process.cpuUsage(c0);
  const peak = statusMb('VmHWM:');
  console.log(
    `   ${version.padEnd(12)} RSS before result ${before.toFixed(0).padStart(4)} MB, peak in result ${peak.toFixed(0).padStart(4)} MB (+${(peak - before).toFixed(0)} MB)   result ${wall.toFixed(2)} s, CPU ${((c.user + c.system) / 1e6).toFixed(2)} s   load ${loadavg()[0]!.toFixed(1)}`,
  );
}

if (CHILD !== '') await child(CHILD);
else {
  console.log(
    `# m4 result-phase memory — node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at start`,
  );
  console.log(`# command: npx tsx bench/result-memory.ts --rows ${ROWS} --resamples ${RESAMPLES} --before ${BEFORE} --repeats ${REPEATS}`);
  console.log(`# ${ROWS.toLocaleString('en')} rows, default binary metrics, ${RESAMPLES} resamples; each line a child process\n`);
  const self = fileURLToPath(import.meta.url);
  for (let k = 0; k < REPEATS; k++)
    for (const v of ['now', BEFORE]) {
      const out = execFileSync(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', self, '--child', v, '--rows', String(ROWS), '--resamples', String(RESAMPLES)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      process.stdout.write(out);
    }
}
