/**
 * Metrics benchmark: prints figures next to baselines measured in the same run (these shared
 * machines drift 1.3–1.5× between runs, so only same-run ratios mean anything).
 *
 *   npx tsx bench/metrics.ts [--rows 10000000] [--boot-rows 1000000] [--resamples 1000] [--runs 3]
 *
 * 1. Every binary metric of one model (counts, rates, MCC, log loss, Brier, exact AUROC and AUPRC)
 *    on float32 scores with 30% positives — target < 0.6 s at 10M rows (scikit-learn: 3.0 s for
 *    roc_auc_score + 2.6 s for average_precision_score, PERFORMANCE.md). Baseline: a straightforward
 *    AUROC (Float32Array.sort of positives and negatives, then a merge count).
 * 2. Confusion counts alone: rows/s of the branch-free kernel (target ≥ 100M rows/s on one core),
 *    next to the same loop written with if/else.
 * 3. The comparison accumulator (two models, what the runtime runs): update throughput for counting
 *    metrics, and update + result for the default binary metrics (ranking, DeLong, curves).
 * 4. The bootstrap: 1,000 Poisson resamples on 1M rows through the accumulator.
 */
import { binaryModelMetrics, confusionCounts } from '../stdlib/metrics/binary-model-metrics.ts';
import { createComparison } from '../stdlib/metrics/comparison.ts';
import { defaultMetrics } from '../stdlib/metrics/catalogue.ts';
import type { ComparisonAccumulator } from '../stdlib/metrics/comparison-types.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const ROWS = arg('rows', 10_000_000);
const BOOT_ROWS = arg('boot-rows', 1_000_000);
const RESAMPLES = arg('resamples', 1000);
const RUNS = arg('runs', 3);

/** Deterministic data: 30% positives, float32 scores in [0, 1] that separate the classes partly. */
function data(n: number, seed: number): { label: Uint8Array; control: Float32Array; treatment: Float32Array; ids: Float64Array } {
  let s = seed >>> 0;
  const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  const label = new Uint8Array(n), control = new Float32Array(n), treatment = new Float32Array(n), ids = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = rnd() < 0.3 ? 1 : 0;
    label[i] = y;
    control[i] = Math.min(1, Math.max(0, 0.35 * y + 0.65 * rnd()));
    treatment[i] = Math.min(1, Math.max(0, 0.4 * y + 0.6 * rnd()));
    ids[i] = i;
  }
  return { label, control, treatment, ids };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time<T>(f: () => T): [number, T] {
  const t0 = performance.now();
  const v = f();
  return [(performance.now() - t0) / 1000, v];
}

/** The straightforward JS AUROC: native sort of each class's scores, then count pairs by merging. */
function sortBaselineAuroc(scores: Float32Array, labels: Uint8Array): number {
  let P = 0;
  for (let i = 0; i < labels.length; i++) P += labels[i]!;
  const pos = new Float32Array(P), neg = new Float32Array(labels.length - P);
  let a = 0, b = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) pos[a++] = scores[i]!; else neg[b++] = scores[i]!;
  pos.sort();
  neg.sort();
  let num = 0, j = 0;
  for (let i = 0; i < pos.length; ) {
    const v = pos[i]!;
    let k = i;
    while (k < pos.length && pos[k] === v) k++;
    while (j < neg.length && neg[j]! < v) j++;
    let e = j;
    while (e < neg.length && neg[e] === v) e++;
    num += (k - i) * (2 * j + (e - j));
    i = k;
  }
  return num / (2 * pos.length * neg.length);
}

/** Confusion counts written the obvious way (a data-dependent branch per row). */
function branchyCounts(scores: Float32Array, labels: Uint8Array, t: number): number {
  let tp = 0, fp = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! >= t) { if (labels[i] === 1) tp++; else fp++; }
  }
  return tp + fp;
}

function feed(acc: ComparisonAccumulator, d: ReturnType<typeof data>, n: number): void {
  const BS = 65536;
  for (let a = 0; a < n; a += BS) {
    const b = Math.min(n, a + BS);
    acc.update({
      rows: b - a, width: 1, rowIds: d.ids.subarray(a, b), control: d.control.subarray(a, b),
      treatment: d.treatment.subarray(a, b), label: d.label.subarray(a, b),
    });
  }
}

const fmt = (s: number): string => `${s.toFixed(3)} s`;
const rate = (n: number, s: number): string => `${(n / s / 1e6).toFixed(0)}M rows/s`;

console.log(`# m4 metrics benchmark — node ${process.version}, ${ROWS.toLocaleString('en')} rows, median of ${RUNS}`);
console.log(`# command: npx tsx bench/metrics.ts --rows ${ROWS} --boot-rows ${BOOT_ROWS} --resamples ${RESAMPLES} --runs ${RUNS}\n`);
const d = data(ROWS, 12345);

// 1. All binary metrics of one model.
const all: number[] = [], base: number[] = [];
let auroc = 0, baseAuroc = 0;
for (let r = 0; r < RUNS; r++) {
  const [t, m] = time(() => binaryModelMetrics(d.control, d.label, 0.5));
  all.push(t);
  auroc = m.auroc as number;
  const [tb, a] = time(() => sortBaselineAuroc(d.control, d.label));
  base.push(tb);
  baseAuroc = a;
}
console.log('1. all binary metrics of one model (counts, rates, mcc, log loss, brier, exact AUROC + AUPRC)');
console.log(`   m4 binaryModelMetrics           ${fmt(median(all))}   (at 10M rows: target < 0.6 s; scikit-learn AUROC + AP alone 5.6 s)`);
console.log(`   baseline Float32Array.sort AUROC ${fmt(median(base))}   (AUROC only)  → m4 does all metrics ${(median(base) / median(all)).toFixed(1)}× faster`);
console.log(`   AUROC m4 ${auroc} vs baseline ${baseAuroc} (|diff| ${Math.abs(auroc - baseAuroc).toExponential(1)})\n`);

// 2. Counting kernel.
const cnt: number[] = [], branchy: number[] = [];
for (let r = 0; r < Math.max(RUNS, 5); r++) {
  cnt.push(time(() => confusionCounts(d.control, d.label, 0.5))[0]);
  branchy.push(time(() => branchyCounts(d.control, d.label, 0.5))[0]);
}
console.log('2. confusion counts (tp, fp, tn, fn) at a threshold');
console.log(`   m4 confusionCounts (branch-free) ${rate(ROWS, median(cnt))}   (target ≥ 100M rows/s)`);
console.log(`   baseline if/else loop            ${rate(ROWS, median(branchy))}\n`);

// 3. The accumulator the runtime drives (two models).
const spec = (metrics: string[], bootstrap: number) => ({
  task: { kind: 'binary' as const, threshold: 0.5 }, metrics, hasLabel: true, hasSlices: false,
  bootstrap, seed: 1, confidence: 0.95, maxSlices: 10,
});
{
  const counting = createComparison(spec(['tp', 'fp', 'tn', 'fn', 'accuracy', 'precision', 'recall', 'f1', 'specificity', 'balanced_accuracy', 'mcc'], 0));
  const [tu] = time(() => feed(counting, d, ROWS));
  const full = createComparison(spec(defaultMetrics('binary', true), 0));
  const [tf] = time(() => feed(full, d, ROWS));
  const [tr] = time(() => full.result());
  console.log('3. comparison accumulator, control + treatment, batches of 65,536 rows');
  console.log(`   update, counting metrics only      ${fmt(tu)}  ${rate(ROWS, tu)}`);
  console.log(`   update, default binary metrics     ${fmt(tf)}  ${rate(ROWS, tf)}  (validation, counts, losses, charts, row store)`);
  console.log(`   result (2 rankings, AUROC, AUPRC, DeLong, ROC/PR curves, slices off) ${fmt(tr)}\n`);
}

// 4. Bootstrap.
{
  const db = BOOT_ROWS === ROWS ? d : data(BOOT_ROWS, 999);
  const acc = createComparison(spec(defaultMetrics('binary', true), RESAMPLES));
  const [tu] = time(() => feed(acc, db, BOOT_ROWS));
  const [tr] = time(() => acc.result());
  console.log(`4. paired bootstrap, ${RESAMPLES} Poisson resamples, ${BOOT_ROWS.toLocaleString('en')} rows, default binary metrics (${defaultMetrics('binary', true).join(', ')})`);
  console.log(`   streaming update (counting metrics, every resample) ${fmt(tu)}`);
  console.log(`   result (ranking metrics recomputed per resample)    ${fmt(tr)}`);
  console.log(`   total ${fmt(tu + tr)}  = ${((tu + tr) / RESAMPLES * 1000).toFixed(1)} ms per resample`);
}
