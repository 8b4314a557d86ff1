/**
 * Counting metrics of a multiclass task (k classes, a probability row per model and row).
 *
 * Per replica the bank keeps, for each class i: support (true rows), rows predicted i by each model,
 * and each model's true positives — enough for accuracy and every macro / micro / weighted
 * precision, recall and F1 — plus McNemar's 2×2 correctness cells, top-k hits and agreement. That is
 * 5k + 7 counts per replica, not k² (the full confusion matrices are kept once, for the point
 * estimate, by the charts accumulator).
 */
import { ChannelPlan, FeatureBuffers, type Derived, type Discordant, type MetricFamily, type ValidRows } from './metric-family.ts';
import type { BankLayout, BatchFeatures, ReplicaView } from './replica-bank.ts';
import { finite, undef, type Outcome } from './metric-value.ts';
import { LOG_LOSS_EPS } from './binary-family.ts';

/** Index of the largest value of row i (the first on ties), as numpy's argmax. */
export function argmaxRow(p: Float64Array, i: number, k: number): number {
  let best = 0,
    bv = p[i * k]!;
  for (let j = 1; j < k; j++) {
    const x = p[i * k + j]!;
    if (x > bv) {
      bv = x;
      best = j;
    }
  }
  return best;
}

/**
 * True when class `y` is among the `topK` highest of row i, breaking ties as scikit-learn's
 * top_k_accuracy_score (stable ascending argsort, reversed: equal values rank higher-index first).
 */
export function inTopK(p: Float64Array, i: number, k: number, y: number, topK: number): boolean {
  const sy = p[i * k + y]!;
  let ahead = 0;
  for (let j = 0; j < k; j++) {
    const x = p[i * k + j]!;
    if (x > sy || (x === sy && j > y)) ahead++;
  }
  return ahead < topK;
}

const PRF = ['precision', 'recall', 'f1'] as const;
const AVERAGES = ['macro', 'micro', 'weighted'] as const;

/** Per-class counts of one model in one replica. */
interface ClassCounts {
  support: Float64Array;
  predicted: Float64Array;
  tp: Float64Array;
}

/**
 * scikit-learn's precision_recall_fscore_support averages over the labels present in the true or
 * predicted values; zero_division = 0.
 */
export function averagedPrf(c: ClassCounts, k: number): Record<`${(typeof PRF)[number]}_${(typeof AVERAGES)[number]}`, Outcome> {
  let nLabels = 0,
    sumP = 0,
    sumR = 0,
    sumF = 0,
    wP = 0,
    wR = 0,
    wF = 0,
    totalSupport = 0,
    totalPred = 0,
    totalTp = 0;
  for (let i = 0; i < k; i++) {
    const s = c.support[i]!,
      pr = c.predicted[i]!,
      tp = c.tp[i]!;
    if (s === 0 && pr === 0) continue;
    nLabels++;
    const p = pr === 0 ? 0 : tp / pr;
    const r = s === 0 ? 0 : tp / s;
    const f = p + r === 0 ? 0 : (2 * p * r) / (p + r);
    sumP += p;
    sumR += r;
    sumF += f;
    wP += s * p;
    wR += s * r;
    wF += s * f;
    totalSupport += s;
    totalPred += pr;
    totalTp += tp;
  }
  if (nLabels === 0) {
    const none = undef('no rows');
    return {
      precision_macro: none,
      recall_macro: none,
      f1_macro: none,
      precision_micro: none,
      recall_micro: none,
      f1_micro: none,
      precision_weighted: none,
      recall_weighted: none,
      f1_weighted: none,
    };
  }
  const pMicro = totalPred === 0 ? 0 : totalTp / totalPred;
  const rMicro = totalSupport === 0 ? 0 : totalTp / totalSupport;
  const fMicro = pMicro + rMicro === 0 ? 0 : (2 * pMicro * rMicro) / (pMicro + rMicro);
  return {
    precision_macro: sumP / nLabels,
    recall_macro: sumR / nLabels,
    f1_macro: sumF / nLabels,
    precision_micro: pMicro,
    recall_micro: rMicro,
    f1_micro: fMicro,
    precision_weighted: wP / totalSupport,
    recall_weighted: wR / totalSupport,
    f1_weighted: wF / totalSupport,
  };
}

export class MulticlassFamily implements MetricFamily {
  readonly layout: BankLayout;
  private readonly buf: FeatureBuffers;
  private readonly wanted: Set<string>;
  private readonly k: number;
  // Count-cell offsets.
  private readonly supportAt: number;
  private readonly predCAt: number;
  private readonly predTAt: number;
  private readonly tpCAt: number;
  private readonly tpTAt: number;
  private readonly mcnAt: number;
  private readonly topkAt: number;
  private readonly agreeAt: number;
  private readonly oorAt: number;
  private readonly llSum: number;
  private readonly madSum: number;
  private readonly madMax: number;

  constructor(
    k: number,
    private readonly topK: number,
    private readonly hasLabel: boolean,
    metrics: readonly string[],
  ) {
    this.k = k;
    this.wanted = new Set(metrics);
    const w = (m: string): boolean => this.wanted.has(m);
    const cells = new ChannelPlan();
    this.supportAt = cells.take(hasLabel, k);
    this.predCAt = cells.take(true, k);
    this.predTAt = cells.take(true, k);
    this.tpCAt = cells.take(hasLabel, k);
    this.tpTAt = cells.take(hasLabel, k);
    this.mcnAt = cells.take(hasLabel, 4);
    this.topkAt = cells.take(hasLabel && w('top_k_accuracy'), 2);
    this.agreeAt = cells.take(true, 1);
    this.oorAt = cells.take(hasLabel && w('log_loss'), 2);
    const slots = hasLabel ? 9 + (this.oorAt >= 0 ? 2 : 0) : 3;
    const sums = new ChannelPlan();
    this.llSum = sums.take(hasLabel && w('log_loss'), 2);
    this.madSum = sums.take(w('mean_abs_diff'), 1);
    const maxes = new ChannelPlan();
    this.madMax = maxes.take(w('max_abs_diff'), 1);
    this.layout = { counts: cells.size, jointCells: 0, slotsPerRow: slots, sums: sums.size, maxes: maxes.size, vars: 0, pairs: [] };
    this.buf = new FeatureBuffers(this.layout);
  }

  features(rows: ValidRows): BatchFeatures {
    const { n, control, treatment, label } = rows;
    const k = this.k;
    const f = this.buf.reset(n);
    for (let i = 0; i < n; i++) {
      const pc = argmaxRow(control, i, k),
        pt = argmaxRow(treatment, i, k);
      f.slots[i] = this.predCAt + pc;
      f.slots[n + i] = this.predTAt + pt;
      f.slots[2 * n + i] = pc === pt ? this.agreeAt : -1;
      if (label !== null) {
        const y = label[i]!;
        const okC = pc === y ? 1 : 0,
          okT = pt === y ? 1 : 0;
        f.slots[3 * n + i] = this.supportAt + y;
        f.slots[4 * n + i] = okC ? this.tpCAt + y : -1;
        f.slots[5 * n + i] = okT ? this.tpTAt + y : -1;
        f.slots[6 * n + i] = this.mcnAt + okC * 2 + okT;
        f.slots[7 * n + i] = this.topkAt >= 0 && inTopK(control, i, k, y, this.topK) ? this.topkAt : -1;
        f.slots[8 * n + i] = this.topkAt >= 0 && inTopK(treatment, i, k, y, this.topK) ? this.topkAt + 1 : -1;
        if (this.oorAt >= 0) {
          let oc = false,
            ot = false,
            sc = 0,
            st = 0;
          for (let j = 0; j < k; j++) {
            const a = control[i * k + j]!,
              b = treatment[i * k + j]!;
            if (a < 0 || a > 1) oc = true;
            if (b < 0 || b > 1) ot = true;
            sc += a < LOG_LOSS_EPS ? LOG_LOSS_EPS : a > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : a;
            st += b < LOG_LOSS_EPS ? LOG_LOSS_EPS : b > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : b;
          }
          f.slots[9 * n + i] = oc ? this.oorAt : -1;
          f.slots[10 * n + i] = ot ? this.oorAt + 1 : -1;
          // scikit-learn 1.2 clips, then renormalizes each row to sum 1.
          const a = control[i * k + y]!,
            b = treatment[i * k + y]!;
          const ac = a < LOG_LOSS_EPS ? LOG_LOSS_EPS : a > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : a;
          const bc = b < LOG_LOSS_EPS ? LOG_LOSS_EPS : b > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : b;
          f.sums[this.llSum * n + i] = -Math.log(ac / sc);
          f.sums[(this.llSum + 1) * n + i] = -Math.log(bc / st);
        }
      }
      if (this.madSum >= 0 || this.madMax >= 0) {
        let s = 0,
          mx = 0;
        for (let j = 0; j < k; j++) {
          const d = Math.abs(treatment[i * k + j]! - control[i * k + j]!);
          s += d;
          if (d > mx) mx = d;
        }
        if (this.madSum >= 0) f.sums[this.madSum * n + i] = s;
        if (this.madMax >= 0) f.maxes[this.madMax * n + i] = mx;
      }
    }
    return f;
  }

  private classCounts(v: ReplicaView, side: 'control' | 'treatment'): ClassCounts {
    const k = this.k;
    const support = new Float64Array(k),
      predicted = new Float64Array(k),
      tp = new Float64Array(k);
    const predAt = side === 'control' ? this.predCAt : this.predTAt;
    const tpAt = side === 'control' ? this.tpCAt : this.tpTAt;
    for (let i = 0; i < k; i++) {
      support[i] = v.count(this.supportAt + i);
      predicted[i] = v.count(predAt + i);
      tp[i] = v.count(tpAt + i);
    }
    return { support, predicted, tp };
  }

  discordant(v: ReplicaView): Discordant | null {
    if (!this.hasLabel) return null;
    return { controlOnly: v.count(this.mcnAt + 2), treatmentOnly: v.count(this.mcnAt + 1) };
  }

  derive(v: ReplicaView, out: Derived): void {
    const w = this.wanted;
    const n = v.W;
    const noRows = undef('no rows');
    if (this.hasLabel) {
      const cc = this.classCounts(v, 'control'),
        ct = this.classCounts(v, 'treatment');
      if (w.has('accuracy')) {
        const correct = (c: ClassCounts): Outcome => (n === 0 ? noRows : c.tp.reduce((a, b) => a + b, 0) / n);
        out.set('accuracy', { control: correct(cc), treatment: correct(ct) });
      }
      const prf = [...w].filter((m) => /^(precision|recall|f1)_(macro|micro|weighted)$/.test(m));
      if (prf.length > 0) {
        const ac = averagedPrf(cc, this.k),
          at = averagedPrf(ct, this.k);
        for (const m of prf) out.set(m, { control: ac[m as keyof typeof ac], treatment: at[m as keyof typeof at] });
      }
      if (this.topkAt >= 0) {
        out.set('top_k_accuracy', {
          control: n === 0 ? noRows : v.count(this.topkAt) / n,
          treatment: n === 0 ? noRows : v.count(this.topkAt + 1) / n,
        });
      }
      if (this.llSum >= 0) {
        const side = (sum: number, oor: number): Outcome =>
          n === 0
            ? noRows
            : oor > 0
              ? undef(`${oor} probability row(s) with values outside [0, 1]: log loss needs probabilities`)
              : finite(sum / n, 'log loss');
        out.set('log_loss', {
          control: side(v.sum(this.llSum), v.count(this.oorAt)),
          treatment: side(v.sum(this.llSum + 1), v.count(this.oorAt + 1)),
        });
      }
    }
    if (w.has('agreement')) out.set('agreement', n === 0 ? noRows : v.count(this.agreeAt) / n);
    if (w.has('flips')) out.set('flips', n - v.count(this.agreeAt));
    if (this.madSum >= 0) out.set('mean_abs_diff', n === 0 ? noRows : finite(v.sum(this.madSum) / (n * this.k), 'mean_abs_diff'));
    if (this.madMax >= 0) out.set('max_abs_diff', n === 0 ? noRows : finite(v.max(this.madMax), 'max_abs_diff'));
  }
}
