/**
 * Does the paired bootstrap's 95% interval cover the true delta 95% of the time?
 *
 *   npx tsx bench/bootstrap-coverage.ts [--replays 1000] [--rows 1000] [--resamples 500] [--seed 1] [--before cd5daff]
 *
 * Each replay draws a fresh seeded sample from a population where the truth is known in closed
 * form (binormal scores): negatives' latent score ~ N(−μ/2, 1), positives' ~ N(+μ/2, 1), the model's
 * score is sigmoid(latent), threshold 0.5. Then accuracy = Φ(μ/2) and AUROC = Φ(μ/√2). Control
 * has μ = 1.0, treatment μ = 1.2, and their noises are correlated (ρ = 0.7: both models see the
 * same rows). The bootstrap seed changes with the replay. Target coverage: 93–97% (with 1000
 * replays the Monte Carlo standard error is ~0.7 points). DeLong's normal interval for the AUROC
 * delta is printed alongside as a cross-check. The same replays run through the code at `--before`
 * (default: the commit before the bootstrap redesign; `--before none` skips it), in the same run.
 */
import erfc from '@stdlib/math-base-special-erfc';
import { createComparison } from '../stdlib/metrics/comparison.ts';
import type { ComparisonAccumulator, ComparisonSpec } from '../stdlib/metrics/comparison-types.ts';
import type { ModelMetricResult } from '../plan/result-types.ts';
import { importAtRef } from './support/code-at-ref.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const REPLAYS = arg('replays', 1000),
  ROWS = arg('rows', 1000),
  RESAMPLES = arg('resamples', 500),
  SEED = arg('seed', 1);
const BEFORE = process.argv.includes('--before') ? process.argv[process.argv.indexOf('--before') + 1]! : 'cd5daff';
const MU_C = 1.0,
  MU_T = 1.2,
  RHO = 0.7,
  LEVEL = 0.95;
/** Φ(−0.2533) ≈ 0.4: 40% positives. */
const PREVALENCE_CUT = -0.2533;

const Phi = (x: number): number => erfc(-x / Math.SQRT2) / 2;
const PREVALENCE = Phi(PREVALENCE_CUT);
/**
 * Population average precision at separation μ: ∫ precision(t) d recall(t) over thresholds t of the
 * latent score, precision(t) = π S(t − μ/2) / (π S(t − μ/2) + (1 − π) S(t + μ/2)), S = 1 − Φ;
 * Simpson's rule on [−12, 12] (the integrand is negligible outside).
 */
function populationAp(mu: number): number {
  const S = (x: number): number => erfc(x / Math.SQRT2) / 2;
  const phi = (x: number): number => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  const f = (t: number): number => {
    const tp = PREVALENCE * S(t - mu / 2),
      fp = (1 - PREVALENCE) * S(t + mu / 2);
    return tp + fp === 0 ? 1 : (tp / (tp + fp)) * phi(t - mu / 2);
  };
  const N = 20000,
    lo = -12,
    h = 24 / N;
  let sum = f(lo) + f(lo + N * h);
  for (let i = 1; i < N; i++) sum += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return (sum * h) / 3;
}
const TRUE_DELTA: Record<string, number> = {
  accuracy: Phi(MU_T / 2) - Phi(MU_C / 2),
  auroc: Phi(MU_T / Math.SQRT2) - Phi(MU_C / Math.SQRT2),
  auprc: populationAp(MU_T) - populationAp(MU_C),
};

/** mulberry32 + Box–Muller: reproducible normals per replay. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const u = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

type Create = (spec: ComparisonSpec) => ComparisonAccumulator;
const MEASURED = ['accuracy', 'auroc', 'auprc'] as const;

/** Run every replay through one version of the accumulator and print its coverage. */
function coverage(version: string, create: Create): void {
  const covered: Record<string, number> = { accuracy: 0, auroc: 0, auprc: 0, auroc_delong: 0 };
  const width: Record<string, number> = { accuracy: 0, auroc: 0, auprc: 0, auroc_delong: 0 };
  let undefinedIntervals = 0;
  const t0 = performance.now();
  for (let rep = 0; rep < REPLAYS; rep++) {
    const z = normals(SEED * 1_000_003 + rep);
    const label = new Uint8Array(ROWS),
      control = new Float64Array(ROWS),
      treatment = new Float64Array(ROWS);
    for (let i = 0; i < ROWS; i++) {
      label[i] = z() < PREVALENCE_CUT ? 1 : 0;
      const sign = label[i] === 1 ? 0.5 : -0.5;
      const shared = z(),
        own = z();
      const noiseC = shared;
      const noiseT = RHO * shared + Math.sqrt(1 - RHO * RHO) * own;
      control[i] = sigmoid(sign * MU_C + noiseC);
      treatment[i] = sigmoid(sign * MU_T + noiseT);
    }
    const acc = create({
      task: { kind: 'binary', threshold: 0.5 },
      metrics: [...MEASURED],
      hasLabel: true,
      hasSlices: false,
      bootstrap: RESAMPLES,
      seed: SEED * 7919 + rep,
      confidence: LEVEL,
      maxSlices: 1,
    });
    acc.update({ rows: ROWS, width: 1, rowIds: Float64Array.from({ length: ROWS }, (_, i) => i), control, treatment, label });
    const r = acc.result();
    for (const name of MEASURED) {
      const m = r.metrics.find((x) => x.name === name) as ModelMetricResult;
      const iv = m.intervals.delta!;
      if (iv.low === null || iv.high === null) {
        undefinedIntervals++;
        continue;
      }
      if (iv.low <= TRUE_DELTA[name]! && TRUE_DELTA[name]! <= iv.high) covered[name]!++;
      width[name]! += iv.high - iv.low;
    }
    const d = r.tests.delong;
    if (d !== null && d.interval.low !== null && d.interval.high !== null) {
      if (d.interval.low <= TRUE_DELTA.auroc! && TRUE_DELTA.auroc! <= d.interval.high) covered.auroc_delong!++;
      width.auroc_delong! += d.interval.high - d.interval.low;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`\n## ${version}: ${seconds.toFixed(1)} s`);
  const rows: [string, string][] = [
    ['accuracy', 'accuracy.delta (bootstrap)'],
    ['auroc', 'auroc.delta (bootstrap)'],
    ['auprc', 'auprc.delta (bootstrap)'],
    ['auroc_delong', 'auroc.delta (DeLong, cross-check)'],
  ];
  for (const [name, label] of rows) {
    const truth = TRUE_DELTA[name === 'auroc_delong' ? 'auroc' : name]!;
    const pct = (covered[name]! / REPLAYS) * 100;
    const verdict = name === 'auroc_delong' ? '' : pct >= 93 && pct <= 97 ? '  within target 93–97%' : '  OUTSIDE target 93–97%';
    console.log(
      `${label.padEnd(36)} true ${truth.toFixed(5)}  covered ${pct.toFixed(1)}%  mean width ${(width[name]! / REPLAYS).toFixed(4)}${verdict}`,
    );
  }
  if (undefinedIntervals > 0) console.log(`${undefinedIntervals} interval(s) undefined (counted as not covering)`);
}

const se = Math.sqrt((LEVEL * (1 - LEVEL)) / REPLAYS) * 100;
console.log(`# bootstrap coverage — ${REPLAYS} replays × ${ROWS} rows, ${RESAMPLES} resamples, ${LEVEL * 100}% percentile intervals`);
console.log(
  `# command: npx tsx bench/bootstrap-coverage.ts --replays ${REPLAYS} --rows ${ROWS} --resamples ${RESAMPLES} --seed ${SEED} --before ${BEFORE}`,
);
console.log(
  `# population: binormal, μ control ${MU_C}, treatment ${MU_T}, noise correlation ${RHO}, prevalence ${PREVALENCE.toFixed(3)}; Monte Carlo SE of a coverage ≈ ${se.toFixed(1)} points`,
);
coverage('now', createComparison);
if (BEFORE !== 'none')
  coverage(
    `before (${BEFORE}), same replays`,
    (await importAtRef<{ createComparison: Create }>(BEFORE, 'stdlib/metrics/comparison.ts')).createComparison,
  );
