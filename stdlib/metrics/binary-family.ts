/**
 * Counting metrics of a binary task: confusion counts and the rates derived from them, log loss,
 * Brier score, and the label-free agreement / flips / score differences / Pearson correlation.
 *
 * Each row adds its weight to one cell of (label, control prediction, treatment prediction) — 8
 * cells with labels, 4 without — so both models' confusion matrices, McNemar's discordant pairs,
 * agreement and flips all come from the same exact integer counts.
 */
import { ChannelPlan, FeatureBuffers, type Derived, type Discordant, type MetricFamily, type ValidRows } from './metric-family.ts';
import type { BankLayout, BatchFeatures, ReplicaView } from './replica-bank.ts';
import { divide, finite, undef, type Outcome } from './metric-value.ts';
import { pearsonFromMoments } from './moments.ts';
import type { MetricName } from './catalogue.ts';

/** Probability clipping of log loss (scikit-learn's eps). */
export const LOG_LOSS_EPS = 1e-15;

export interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** The rates scikit-learn derives from a binary confusion matrix; `n = tp + fp + tn + fn`. */
export function binaryRates(
  c: BinaryCounts,
): Record<'accuracy' | 'precision' | 'recall' | 'f1' | 'specificity' | 'balanced_accuracy' | 'mcc', Outcome> {
  const { tp, fp, tn, fn } = c;
  const n = tp + fp + tn + fn;
  if (n === 0) {
    const none = undef('no rows');
    return { accuracy: none, precision: none, recall: none, f1: none, specificity: none, balanced_accuracy: none, mcc: none };
  }
  const precision = divide(tp, tp + fp, 0) as number;
  const recall = divide(tp, tp + fn, 0) as number;
  const specificity = divide(tn, tn + fp, 0) as number;
  // scikit-learn: denominator 0 → 1, so F1 is 0 when precision and recall are both 0.
  const pr = precision + recall;
  const f1 = (2 * precision * recall) / (pr === 0 ? 1 : pr);
  const balanced: Outcome =
    tp + fn === 0
      ? undef('no positive rows: balanced accuracy is undefined')
      : tn + fp === 0
        ? undef('no negative rows: balanced accuracy is undefined')
        : (recall + specificity) / 2;
  // MCC exactly as scikit-learn's matthews_corrcoef computes it from the confusion matrix.
  const tSum1 = tp + fn,
    tSum0 = tn + fp,
    pSum1 = tp + fp,
    pSum0 = tn + fn;
  const covYtYp = (tp + tn) * n - (tSum0 * pSum0 + tSum1 * pSum1);
  const covYpYp = n * n - (pSum0 * pSum0 + pSum1 * pSum1);
  const covYtYt = n * n - (tSum0 * tSum0 + tSum1 * tSum1);
  const mcc = covYpYp * covYtYt === 0 ? 0 : covYtYp / Math.sqrt(covYtYt * covYpYp);
  return { accuracy: (tp + tn) / n, precision, recall, f1, specificity, balanced_accuracy: balanced, mcc };
}

const RATE_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'specificity', 'balanced_accuracy', 'mcc'] as const satisfies readonly MetricName[];
/** The confusion counts, each a catalogue metric of its own. */
const CONFUSION_METRICS = ['tp', 'fp', 'tn', 'fn'] as const satisfies readonly (MetricName & keyof BinaryCounts)[];

export class BinaryFamily implements MetricFamily {
  readonly layout: BankLayout;
  private readonly buf: FeatureBuffers;
  private readonly wanted: Set<string>;
  // Channel offsets (-1: not requested).
  private readonly oorCell: number;
  private readonly llSum: number;
  private readonly brSum: number;
  private readonly madSum: number;
  private readonly madMax: number;
  private readonly corrVars: number;

  constructor(
    private readonly threshold: number,
    private readonly hasLabel: boolean,
    metrics: readonly string[],
  ) {
    this.wanted = new Set(metrics);
    const w = (m: string): boolean => this.wanted.has(m);
    const probs = hasLabel && (w('log_loss') || w('brier'));
    const cells = hasLabel ? 8 : 4;
    this.oorCell = probs ? cells : -1;
    const sums = new ChannelPlan();
    this.llSum = sums.take(hasLabel && w('log_loss'), 2);
    this.brSum = sums.take(hasLabel && w('brier'), 2);
    this.madSum = sums.take(w('mean_abs_diff'), 1);
    const maxes = new ChannelPlan();
    this.madMax = maxes.take(w('max_abs_diff'), 1);
    this.corrVars = w('pearson') ? 0 : -1;
    this.layout = {
      counts: cells + (probs ? 2 : 0),
      jointCells: cells,
      slotsPerRow: probs ? 3 : 1,
      sums: sums.size,
      maxes: maxes.size,
      vars: this.corrVars >= 0 ? 2 : 0,
      pairs:
        this.corrVars >= 0
          ? [
              [0, 0],
              [1, 1],
              [0, 1],
            ]
          : [],
    };
    this.buf = new FeatureBuffers(this.layout);
  }

  features(rows: ValidRows): BatchFeatures {
    const { n, control, treatment, label } = rows;
    const f = this.buf.reset(n);
    const thr = this.threshold;
    const slots = f.slots,
      sums = f.sums;
    // Branch-free: `+(x >= thr)` compiles to a flag, not a jump — a mispredicted branch on
    // unpredictable scores costs 6× the whole loop.
    if (label === null) {
      for (let i = 0; i < n; i++) slots[i] = (+(control[i]! >= thr) << 1) | +(treatment[i]! >= thr);
    } else {
      for (let i = 0; i < n; i++) slots[i] = (label[i]! << 2) | (+(control[i]! >= thr) << 1) | +(treatment[i]! >= thr);
    }
    const oor = this.oorCell;
    if (oor >= 0) {
      for (let i = 0; i < n; i++) {
        const c = control[i]!,
          t = treatment[i]!;
        slots[n + i] = c < 0 || c > 1 ? oor : -1;
        slots[2 * n + i] = t < 0 || t > 1 ? oor + 1 : -1;
      }
    }
    if (label !== null && this.llSum >= 0) {
      const oc = this.llSum * n,
        ot = oc + n;
      const hi = 1 - LOG_LOSS_EPS;
      for (let i = 0; i < n; i++) {
        const y = label[i]!;
        const cc = Math.min(Math.max(control[i]!, LOG_LOSS_EPS), hi);
        const tc = Math.min(Math.max(treatment[i]!, LOG_LOSS_EPS), hi);
        // y ∈ {0, 1}: y·p + (1 − y)·(1 − p) is exactly p or 1 − p, without a data-dependent branch.
        sums[oc + i] = -Math.log(y * cc + (1 - y) * (1 - cc));
        sums[ot + i] = -Math.log(y * tc + (1 - y) * (1 - tc));
      }
    }
    if (label !== null && this.brSum >= 0) {
      const oc = this.brSum * n,
        ot = oc + n;
      for (let i = 0; i < n; i++) {
        const y = label[i]!,
          dc = control[i]! - y,
          dt = treatment[i]! - y;
        sums[oc + i] = dc * dc;
        sums[ot + i] = dt * dt;
      }
    }
    if (this.madSum >= 0) {
      const o = this.madSum * n;
      for (let i = 0; i < n; i++) sums[o + i] = Math.abs(treatment[i]! - control[i]!);
    }
    if (this.madMax >= 0) {
      const o = this.madMax * n,
        mx = f.maxes;
      for (let i = 0; i < n; i++) mx[o + i] = Math.abs(treatment[i]! - control[i]!);
    }
    if (this.layout.vars > 0) {
      f.vars.set(control.subarray(0, n), 0);
      f.vars.set(treatment.subarray(0, n), n);
    }
    return f;
  }

  /** Confusion counts of one model from the joint cells. */
  counts(v: ReplicaView, side: 'control' | 'treatment'): BinaryCounts {
    const out = { tp: 0, fp: 0, tn: 0, fn: 0 };
    if (!this.hasLabel) return out;
    for (let cell = 0; cell < 8; cell++) {
      const k = v.count(cell);
      if (k === 0) continue;
      const y = cell >> 2;
      const p = side === 'control' ? (cell >> 1) & 1 : cell & 1;
      if (y === 1) {
        if (p === 1) out.tp += k;
        else out.fn += k;
      } else if (p === 1) out.fp += k;
      else out.tn += k;
    }
    return out;
  }

  /** Rows by (control prediction, treatment prediction), labels summed out: index pc*2+pt. */
  private predPairs(v: ReplicaView): [number, number, number, number] {
    const out: [number, number, number, number] = [0, 0, 0, 0];
    const cells = this.hasLabel ? 8 : 4;
    for (let cell = 0; cell < cells; cell++) out[cell & 3] += v.count(cell);
    return out;
  }

  discordant(v: ReplicaView): Discordant | null {
    if (!this.hasLabel) return null;
    let controlOnly = 0,
      treatmentOnly = 0;
    for (let cell = 0; cell < 8; cell++) {
      const y = cell >> 2,
        pc = (cell >> 1) & 1,
        pt = cell & 1;
      if (pc === y && pt !== y) controlOnly += v.count(cell);
      if (pt === y && pc !== y) treatmentOnly += v.count(cell);
    }
    return { controlOnly, treatmentOnly };
  }

  derive(v: ReplicaView, out: Derived): void {
    const w = this.wanted;
    const n = v.W;
    if (this.hasLabel) {
      const c = this.counts(v, 'control'),
        t = this.counts(v, 'treatment');
      for (const m of CONFUSION_METRICS) if (w.has(m)) out.set(m, { control: c[m], treatment: t[m] });
      if (RATE_METRICS.some((m) => w.has(m))) {
        const rc = binaryRates(c),
          rt = binaryRates(t);
        for (const m of RATE_METRICS) if (w.has(m)) out.set(m, { control: rc[m], treatment: rt[m] });
      }
      if (this.llSum >= 0 || this.brSum >= 0) {
        const oorC = v.count(this.oorCell),
          oorT = v.count(this.oorCell + 1);
        const side = (sum: number, oor: number, what: string): Outcome =>
          n === 0 ? undef('no rows') : oor > 0 ? undef(`${oor} score(s) outside [0, 1]: ${what} needs probabilities`) : finite(sum / n, what);
        if (this.llSum >= 0) {
          out.set('log_loss', { control: side(v.sum(this.llSum), oorC, 'log loss'), treatment: side(v.sum(this.llSum + 1), oorT, 'log loss') });
        }
        if (this.brSum >= 0) {
          out.set('brier', { control: side(v.sum(this.brSum), oorC, 'Brier score'), treatment: side(v.sum(this.brSum + 1), oorT, 'Brier score') });
        }
      }
    }
    const pairs = this.predPairs(v);
    const noRows = undef('no rows');
    // Agreement is a ratio of cells: its denominator is the cells' total (in a resample the cells are
    // drawn per cell, and W is the per-row weights' total).
    const cellRows = pairs[0] + pairs[1] + pairs[2] + pairs[3];
    if (w.has('agreement')) out.set('agreement', cellRows === 0 ? noRows : (pairs[0] + pairs[3]) / cellRows);
    if (w.has('flips_to_positive')) out.set('flips_to_positive', pairs[1]);
    if (w.has('flips_to_negative')) out.set('flips_to_negative', pairs[2]);
    if (w.has('flips')) out.set('flips', pairs[1] + pairs[2]);
    if (this.madSum >= 0) out.set('mean_abs_diff', n === 0 ? noRows : finite(v.sum(this.madSum) / n, 'mean_abs_diff'));
    if (this.madMax >= 0) out.set('max_abs_diff', n === 0 ? noRows : finite(v.max(this.madMax), 'max_abs_diff'));
    if (this.corrVars >= 0) out.set('pearson', pearsonFromMoments(v, 0, 1, 0, 1, 2));
  }
}
