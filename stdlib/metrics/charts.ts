/**
 * What a dashboard draws: score histograms, calibration bins and confusion matrices (streamed, point
 * estimate only); ROC / PR curves keep at most {@link MAX_CURVE_POINTS} points, evenly spaced along
 * them (drawn in `binary-point.ts`).
 */
import type { Calibration, ConfusionMatrices, CurvePoint, Histogram } from '../../plan/result-types.ts';
import type { ValidRows } from './metric-family.ts';
import type { TaskKind } from './catalogue.ts';
import { argmaxRow } from './multiclass-family.ts';
import { decodeF64Length, encodeArray, MetricsStateError, type EncodedArray } from './state-codec.ts';
import { ExactSums } from './exact-sum.ts';

export const HISTOGRAM_BINS = 20;
export const CALIBRATION_BINS = 10;
export const MAX_CURVE_POINTS = 200;
/** One-vs-rest curves are drawn for at most this many classes, each with at most MAX_OVR_CURVE_POINTS points (a record stays small). */
export const MAX_OVR_CLASSES = 12;
export const MAX_OVR_CURVE_POINTS = 80;

/**
 * Streaming chart state. Binary and multiclass probabilities use fixed [0, 1] bins, so states of any
 * split of the rows add up exactly: counts are integers, and the calibration bins' Σ predicted are exact sums
 * (exact-sum.ts), so a merged state draws bit-for-bit the charts of one pass.
 */
export class ChartAccumulator {
  /** [model][bin] counts, then [model] outside [0, 1]. */
  readonly hist: Float64Array;
  /** [model][bin][count, (unused: see calibPredicted), Σ observed]. */
  readonly calib: Float64Array;
  /** [model][bin] Σ predicted, exact. */
  private calibPredicted: ExactSums;
  /** Multiclass only: [model][true][pred] counts. */
  readonly confusion: Float64Array;
  /** Binary with labels: [model][label 0/1][bin] counts of the scores in [0, 1]. */
  readonly histByLabel: Float64Array;
  private readonly probabilities: boolean;

  constructor(
    readonly task: TaskKind,
    readonly hasLabel: boolean,
    readonly k: number,
  ) {
    this.probabilities = task !== 'regression';
    this.hist = new Float64Array(this.probabilities ? 2 * HISTOGRAM_BINS + 2 : 0);
    this.calib = new Float64Array(this.probabilities && hasLabel ? 2 * CALIBRATION_BINS * 3 : 0);
    this.calibPredicted = new ExactSums(this.calib.length / 3);
    // Binary confusion matrices come from the comparison's exact threshold counts, not from here.
    this.confusion = new Float64Array(hasLabel && task === 'multiclass' ? 2 * k * k : 0);
    this.histByLabel = new Float64Array(hasLabel && task === 'binary' ? 4 * HISTOGRAM_BINS : 0);
  }

  add(rows: ValidRows): void {
    if (!this.probabilities) return;
    const { n, width, control, treatment, label } = rows;
    const multi = this.task === 'multiclass';
    const hist = this.hist,
      calib = this.calib,
      conf = this.confusion,
      byLabel = this.histByLabel;
    const HB = HISTOGRAM_BINS,
      CB = CALIBRATION_BINS;
    for (let m = 0; m < 2; m++) {
      const s = m === 0 ? control : treatment;
      const hBase = m * HB,
        cBase = m * CB;
      let outside = 0;
      for (let i = 0; i < n; i++) {
        let p: number,
          pred = 0;
        if (multi) {
          pred = argmaxRow(s, i, width);
          p = s[i * width + pred]!;
        } else p = s[i]!;
        if (!(p >= 0 && p <= 1)) {
          outside++;
          continue;
        }
        // p in [0, 1]: the truncation picks the bin; p = 1 belongs to the last one.
        const hb = (p * HB) | 0;
        const bin = hb === HB ? HB - 1 : hb;
        hist[hBase + bin]!++;
        if (label === null) continue;
        const y = label[i]!;
        if (!multi) byLabel[(m * 2 + y) * HB + bin]!++;
        const cb = (p * CB) | 0;
        const cbin = cBase + (cb === CB ? CB - 1 : cb),
          at = cbin * 3;
        calib[at]!++;
        this.calibPredicted.add(cbin, p);
        calib[at + 2]! += multi ? (pred === y ? 1 : 0) : y;
        if (multi) conf[(m * width + y) * width + pred]!++;
      }
      hist[2 * HB + m]! += outside;
    }
  }

  histogram(): Histogram | null {
    if (!this.probabilities) return null;
    const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => i / HISTOGRAM_BINS);
    return {
      quantity: this.task === 'multiclass' ? 'top_class_probability' : 'score',
      edges,
      control: Array.from(this.hist.subarray(0, HISTOGRAM_BINS)),
      treatment: Array.from(this.hist.subarray(HISTOGRAM_BINS, 2 * HISTOGRAM_BINS)),
      outside: { control: this.hist[2 * HISTOGRAM_BINS]!, treatment: this.hist[2 * HISTOGRAM_BINS + 1]! },
      ...(this.histByLabel.length === 0 ? {} : { by_label: this.byLabel() }),
    };
  }

  /** Binary: the score histograms split by label (same bins as the histogram). */
  private byLabel(): NonNullable<Histogram['by_label']> {
    const HB = HISTOGRAM_BINS;
    const part = (m: number, y: number): number[] => Array.from(this.histByLabel.subarray((m * 2 + y) * HB, (m * 2 + y + 1) * HB));
    return { negative: { control: part(0, 0), treatment: part(1, 0) }, positive: { control: part(0, 1), treatment: part(1, 1) } };
  }

  calibration(): Calibration | null {
    if (this.calib.length === 0) return null;
    const side = (m: number, b: number): { count: number; mean_predicted: number | null; observed: number | null } => {
      const at = (m * CALIBRATION_BINS + b) * 3;
      const c = this.calib[at]!;
      return {
        count: c,
        mean_predicted: c === 0 ? null : this.calibPredicted.value(m * CALIBRATION_BINS + b) / c,
        observed: c === 0 ? null : this.calib[at + 2]! / c,
      };
    };
    return {
      quantity: this.task === 'multiclass' ? 'top_class_probability' : 'score',
      bins: Array.from({ length: CALIBRATION_BINS }, (_, b) => ({
        low: b / CALIBRATION_BINS,
        high: (b + 1) / CALIBRATION_BINS,
        control: side(0, b),
        treatment: side(1, b),
      })),
    };
  }

  /** Multiclass confusion matrices (rows = true class). */
  multiclassConfusion(): ConfusionMatrices | null {
    if (this.task !== 'multiclass' || this.confusion.length === 0) return null;
    const k = this.k;
    const mat = (m: number): number[][] =>
      Array.from({ length: k }, (_, y) => Array.from(this.confusion.subarray((m * k + y) * k, (m * k + y + 1) * k)));
    return { classes: Array.from({ length: k }, (_, i) => i), control: mat(0), treatment: mat(1) };
  }

  merge(o: ChartAccumulator): void {
    for (let i = 0; i < this.hist.length; i++) this.hist[i]! += o.hist[i]!;
    for (let i = 0; i < this.calib.length; i++) this.calib[i]! += o.calib[i]!;
    this.calibPredicted.merge(o.calibPredicted);
    for (let i = 0; i < this.confusion.length; i++) this.confusion[i]! += o.confusion[i]!;
    for (let i = 0; i < this.histByLabel.length; i++) this.histByLabel[i]! += o.histByLabel[i]!;
  }

  toState(): Record<string, EncodedArray> {
    return {
      hist: encodeArray(this.hist),
      calib: encodeArray(this.calib),
      confusion: encodeArray(this.confusion),
      hist_by_label: encodeArray(this.histByLabel),
      ...Object.fromEntries(Object.entries(this.calibPredicted.toState()).map(([k, v]) => [`calib_predicted_${k}`, v])),
    };
  }

  static fromState(task: TaskKind, hasLabel: boolean, k: number, s: Record<string, EncodedArray>): ChartAccumulator {
    const c = new ChartAccumulator(task, hasLabel, k);
    c.hist.set(decodeF64Length(s.hist!, c.hist.length, 'chart histogram'));
    c.calib.set(decodeF64Length(s.calib!, c.calib.length, 'chart calibration'));
    c.confusion.set(decodeF64Length(s.confusion!, c.confusion.length, 'chart confusion'));
    // States written before the split histograms have none: they stay zero (the chart then shows no split).
    if (s.hist_by_label !== undefined) c.histByLabel.set(decodeF64Length(s.hist_by_label, c.histByLabel.length, 'chart histogram by label'));
    if (s.calib_predicted_lengths === undefined || s.calib_predicted_partials === undefined || s.calib_predicted_special === undefined)
      throw new MetricsStateError('chart state has no exact calibration sums: it was made by an older m4');
    c.calibPredicted = ExactSums.fromState(c.calib.length / 3, {
      lengths: s.calib_predicted_lengths,
      partials: s.calib_predicted_partials,
      special: s.calib_predicted_special,
    });
    return c;
  }
}

/** Histogram of stored values (regression predictions) over the range of both models. */
export function valueHistogram(control: ArrayLike<number>, treatment: ArrayLike<number>, n: number): Histogram | null {
  if (n === 0) return null;
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = control[i]!,
      b = treatment[i]!;
    if (a < lo) lo = a;
    if (a > hi) hi = a;
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  if (hi === lo) hi = lo + 1;
  const width = (hi - lo) / HISTOGRAM_BINS;
  const c = new Array<number>(HISTOGRAM_BINS).fill(0),
    t = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (let i = 0; i < n; i++) {
    c[Math.min(HISTOGRAM_BINS - 1, Math.floor((control[i]! - lo) / width))]!++;
    t[Math.min(HISTOGRAM_BINS - 1, Math.floor((treatment[i]! - lo) / width))]!++;
  }
  return {
    quantity: 'prediction',
    edges: Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? hi : lo + i * width)),
    control: c,
    treatment: t,
    outside: { control: 0, treatment: 0 },
  };
}
