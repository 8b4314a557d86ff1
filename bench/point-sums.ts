/**
 * The streaming cost of exact point sums: `update` of a comparison whose metrics are sums and moments
 * (log loss, Brier, mean |diff|, Pearson; regression MAE, MSE, R², explained variance, Pearson), with
 * slices, no bootstrap and no ranking metric (so nothing but the accumulators runs), next to the same
 * calls on the code at `--before` (default: the commit before exact sums) in the same run.
 *
 *   npx tsx bench/point-sums.ts [--rows 2000000] [--before ff27402^] [--repeat 3]
 *
 * Prints the best of `--repeat` timings of each (the machine is shared: the minimum is the least
 * disturbed), and whether the two versions' values agree to 1e-12 (they are computed differently:
 * exact sums rounded once against compensated sums).
 */
import { importAtRef } from './support/code-at-ref.ts';
import type { ComparisonAccumulator, ComparisonSpec } from '../stdlib/metrics/comparison-types.ts';
import * as current from '../stdlib/metrics/comparison.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const ROWS = Number(arg('rows', '2000000'));
const BEFORE = arg('before', 'ff27402^');
const REPEAT = Number(arg('repeat', '3'));

type Create = (spec: ComparisonSpec) => ComparisonAccumulator;

function data(
  n: number,
  regression: boolean,
): { label: Float64Array; control: Float64Array; treatment: Float64Array; ids: Float64Array; slice: string[] } {
  let s = 7;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const label = new Float64Array(n),
    control = new Float64Array(n),
    treatment = new Float64Array(n),
    ids = new Float64Array(n),
    slice: string[] = [];
  for (let i = 0; i < n; i++) {
    ids[i] = i;
    slice.push(['eu', 'us', 'apac', 'latam'][i % 4]!);
    if (regression) {
      label[i] = 1e6 + rnd();
      control[i] = label[i]! + 0.3 * (rnd() - 0.5);
      treatment[i] = label[i]! + 0.2 * (rnd() - 0.5);
    } else {
      label[i] = rnd() < 0.3 ? 1 : 0;
      control[i] = Math.min(1, 0.35 * label[i]! + 0.65 * rnd());
      treatment[i] = Math.min(1, 0.4 * label[i]! + 0.6 * rnd());
    }
  }
  return { label, control, treatment, ids, slice };
}

function run(create: Create, spec: ComparisonSpec, d: ReturnType<typeof data>): { seconds: number; values: Map<string, unknown> } {
  let best = Infinity;
  let values = new Map<string, unknown>();
  for (let k = 0; k < REPEAT; k++) {
    const acc = create(spec);
    const t0 = performance.now();
    const BS = 8192;
    for (let a = 0; a < ROWS; a += BS) {
      const b = Math.min(ROWS, a + BS);
      acc.update({
        rows: b - a,
        width: 1,
        rowIds: d.ids.subarray(a, b),
        control: d.control.subarray(a, b),
        treatment: d.treatment.subarray(a, b),
        label: d.label.subarray(a, b),
        slice: d.slice.slice(a, b),
      });
    }
    best = Math.min(best, (performance.now() - t0) / 1000);
    values = new Map(acc.result().metrics.map((m) => [m.name, 'value' in m ? m.value : [m.control, m.treatment]]));
  }
  return { seconds: best, values };
}

const before = (await importAtRef<typeof current>(BEFORE, 'stdlib/metrics/comparison.ts', ['stdlib', 'plan', 'package.json']))
  .createComparison as Create;
console.log(
  `# exact point sums: update of ${ROWS.toLocaleString('en')} rows (batches of 8,192, 4 slices), best of ${REPEAT}, vs ${BEFORE} in the same run`,
);
for (const [task, metrics] of [
  ['binary', ['accuracy', 'log_loss', 'brier', 'mean_abs_diff', 'pearson']],
  ['regression', ['mae', 'mse', 'r2', 'explained_variance', 'mean_abs_diff', 'pearson']],
] as const) {
  const spec: ComparisonSpec = {
    task: task === 'binary' ? { kind: 'binary', threshold: 0.5 } : { kind: 'regression' },
    metrics: [...metrics],
    hasLabel: true,
    hasSlices: true,
    bootstrap: 0,
    seed: 1,
    confidence: 0.95,
    maxSlices: 10,
  };
  const d = data(ROWS, task === 'regression');
  const now = run(current.createComparison, spec, d);
  const old = run(before, spec, d);
  let agree = true;
  for (const [k, v] of now.values) {
    const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : typeof x === 'number' ? [x] : []);
    const a = flat(v),
      b = flat(old.values.get(k));
    if (a.some((x, i) => Math.abs(x - b[i]!) > 1e-12 * Math.max(1, Math.abs(x)))) {
      agree = false;
      console.log(`   ${k}: ${a.join(', ')} vs ${b.join(', ')}`);
    }
  }
  console.log(
    `${task.padEnd(10)} ${metrics.join(',')}\n   now ${now.seconds.toFixed(3)} s (${Math.round(ROWS / now.seconds).toLocaleString('en')} rows/s)   before ${old.seconds.toFixed(3)} s (${Math.round(ROWS / old.seconds).toLocaleString('en')} rows/s)   ratio ${(now.seconds / old.seconds).toFixed(2)}×   values agree to 1e-12: ${agree}`,
  );
}
