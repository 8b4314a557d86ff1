/**
 * Small deterministic synthetic comparisons for property tests: scores with ties, a few invalid
 * rows, slices, and a regression target with a large offset (to exercise centred moments).
 */
import type { ComparisonBatch, ComparisonSpec, TaskKind } from '../../../../stdlib/metrics/comparison-types.ts';
import { metricsForTask } from '../../../../stdlib/metrics/catalogue.ts';
import { SeededRandom } from '../../../../tools/seeded-random.ts';

/** A small PRNG (mulberry32) so every case is reproducible from its seed. (tools/seeded-random.ts) */
export function prng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

export interface Dataset {
  n: number;
  width: number;
  rowIds: Float64Array;
  control: Float32Array;
  treatment: Float32Array;
  label: Float64Array;
  slice: string[];
}

export interface SynthOptions {
  /** Add NaN scores / invalid labels to a few rows. */
  invalid?: boolean;
  classes?: number;
}

export function synthesize(task: TaskKind, n: number, seed: number, opts: SynthOptions = {}): Dataset {
  const rnd = prng(seed);
  const width = task === 'multiclass' ? (opts.classes ?? 3) : 1;
  const control = new Float32Array(n * width),
    treatment = new Float32Array(n * width);
  const label = new Float64Array(n);
  const slice: string[] = [];
  for (let i = 0; i < n; i++) {
    slice.push(`s${Math.floor(rnd() * rnd() * 9)}`);
    if (task === 'binary') {
      const y = rnd() < 0.35 ? 1 : 0;
      label[i] = y;
      // Quantized scores make ties common.
      const q = (x: number): number => (rnd() < 0.3 ? Math.round(x * 10) / 10 : x);
      control[i] = q(Math.min(1, Math.max(0, 0.3 * y + 0.7 * rnd())));
      treatment[i] = rnd() < 0.1 ? control[i]! : q(Math.min(1, Math.max(0, 0.4 * y + 0.6 * rnd())));
    } else if (task === 'multiclass') {
      const y = Math.floor(rnd() * width);
      label[i] = y;
      for (const [arr, boost] of [
        [control, 1.2],
        [treatment, 1.6],
      ] as const) {
        let sum = 0;
        const row: number[] = [];
        for (let j = 0; j < width; j++) {
          const v = rnd() + (j === y ? boost * rnd() : 0);
          row.push(v);
          sum += v;
        }
        for (let j = 0; j < width; j++) arr[i * width + j] = row[j]! / sum;
      }
    } else {
      const y = 1000 + 5 * (rnd() - 0.5);
      label[i] = y;
      control[i] = y + (rnd() - 0.5);
      treatment[i] = rnd() < 0.1 ? control[i]! : y + 0.8 * (rnd() - 0.5);
    }
    if (opts.invalid && rnd() < 0.04) {
      const which = Math.floor(rnd() * 3);
      if (which === 0) control[i * width] = NaN;
      else if (which === 1) treatment[i * width] = NaN;
      else label[i] = task === 'regression' ? Infinity : 7;
    }
  }
  return { n, width, rowIds: Float64Array.from({ length: n }, (_, i) => i), control, treatment, label, slice };
}

export function specFor(task: TaskKind, opts: Partial<ComparisonSpec> = {}): ComparisonSpec {
  const hasLabel = opts.hasLabel ?? true;
  return {
    task: task === 'binary' ? { kind: 'binary', threshold: 0.5 } : task === 'multiclass' ? { kind: 'multiclass', top_k: 2 } : { kind: 'regression' },
    metrics: metricsForTask(task, hasLabel),
    hasLabel,
    hasSlices: true,
    bootstrap: 20,
    seed: 42,
    confidence: 0.9,
    maxSlices: 3,
    ...opts,
  };
}

/** The batch of rows `rows` (indices into the dataset) in the given order. */
export function batchOf(d: Dataset, rows: readonly number[], spec: ComparisonSpec): ComparisonBatch {
  const w = d.width;
  const control = new Float32Array(rows.length * w),
    treatment = new Float32Array(rows.length * w);
  rows.forEach((r, i) => {
    for (let j = 0; j < w; j++) {
      control[i * w + j] = d.control[r * w + j]!;
      treatment[i * w + j] = d.treatment[r * w + j]!;
    }
  });
  return {
    rows: rows.length,
    width: w,
    rowIds: Float64Array.from(rows, (r) => d.rowIds[r]!),
    control,
    treatment,
    ...(spec.hasLabel ? { label: Float64Array.from(rows, (r) => d.label[r]!) } : {}),
    ...(spec.hasSlices ? { slice: rows.map((r) => d.slice[r]!) } : {}),
  };
}
