/**
 * Counting metrics of a multiclass task (k classes, a probability row per model and row).
 *
 * Every counting metric (accuracy, macro / micro / weighted precision, recall and F1, top-k accuracy,
 * McNemar's pairs, agreement, flips) is a function of each row's (label, control prediction,
 * treatment prediction, control top-k hit, treatment top-k hit). With up to MAX_JOINT_CELLS such
 * cells the bank keeps that joint table per replica, and a bootstrap resample draws it per cell
 * (Poisson(count), poisson-cells.ts): O(cells) per resample, independent of the rows, exactly like
 * binary's 8 cells. With more classes each row adds to per-class counts instead — support, each
 * model's predictions and true positives, McNemar's cells, top-k hits, agreement: 5k + 7 counts —
 * and a resample weights the stored rows. (The full confusion matrices are kept once, for the point
 * estimate, by the charts accumulator.)
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

/** Largest joint table kept per replica: beyond it (k > 10 with top-k, k > 16 without) rows add to per-class counts. */
export const MAX_JOINT_CELLS = 4096;

/** The per-class and pair counts every multiclass counting metric reads, however they were kept. */
interface Tallies {
  /** Rows counted (the joint table's total, or the replica's weight). */
  n: number;
  c: ClassCounts;
  t: ClassCounts;
  /** McNemar cells: correct control × 2 + correct treatment. */
  mcn: Float64Array;
  topk: Float64Array;
  agree: number;
}

export class MulticlassFamily implements MetricFamily {
  readonly layout: BankLayout;
  private readonly buf: FeatureBuffers;
  private readonly wanted: Set<string>;
  private readonly k: number;
  /**
   * Joint mode: each row falls in one cell of (label, control prediction, treatment prediction[,
   * control in top k, treatment in top k]) — without labels (control, treatment) — and every count
   * derives from that table, so a bootstrap resample draws the cells (poisson-cells.ts) in O(cells),
   * as binary's 8 cells. Otherwise (many classes) each row adds to 5k + 7 per-class counts.
   */
  private readonly joint: boolean;
  private readonly topkBits: number;
  // Count-cell offsets (per-class mode; the joint mode has only the table and the out-of-range pair).
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
    const wantTopk = hasLabel && w('top_k_accuracy');
    this.topkBits = wantTopk ? 2 : 0;
    const J = hasLabel ? k * k * k * (1 << this.topkBits) : k * k;
    this.joint = J <= MAX_JOINT_CELLS;
    const cells = new ChannelPlan();
    const per = !this.joint;
    const jointAt = cells.take(this.joint, J);
    this.supportAt = cells.take(per && hasLabel, k);
    this.predCAt = cells.take(per, k);
    this.predTAt = cells.take(per, k);
    this.tpCAt = cells.take(per && hasLabel, k);
    this.tpTAt = cells.take(per && hasLabel, k);
    this.mcnAt = cells.take(per && hasLabel, 4);
    this.topkAt = cells.take(per && wantTopk, 2);
    this.agreeAt = cells.take(per, 1);
    this.oorAt = cells.take(hasLabel && w('log_loss'), 2);
    void jointAt; // 0: the joint table comes first (slot column 0), as the bank's jointCells requires
    const oorSlots = this.oorAt >= 0 ? 2 : 0;
    const slots = this.joint ? 1 + oorSlots : hasLabel ? 9 + oorSlots : 3;
    const sums = new ChannelPlan();
    this.llSum = sums.take(hasLabel && w('log_loss'), 2);
    this.madSum = sums.take(w('mean_abs_diff'), 1);
    const maxes = new ChannelPlan();
    this.madMax = maxes.take(w('max_abs_diff'), 1);
    this.layout = {
      counts: cells.size,
      jointCells: this.joint ? J : 0,
      slotsPerRow: slots,
      sums: sums.size,
      maxes: maxes.size,
      vars: 0,
      pairs: [],
    };
    this.buf = new FeatureBuffers(this.layout);
  }

  features(rows: ValidRows): BatchFeatures {
    const { n, control, treatment, label } = rows;
    const k = this.k;
    const f = this.buf.reset(n);
    // Slot column of the out-of-range flags.
    const oorCol = this.joint ? 1 : 9;
    for (let i = 0; i < n; i++) {
      const pc = argmaxRow(control, i, k),
        pt = argmaxRow(treatment, i, k);
      if (this.joint) {
        if (label === null) f.slots[i] = pc * k + pt;
        else {
          const y = label[i]!;
          let cell = (y * k + pc) * k + pt;
          if (this.topkBits > 0) cell = cell * 4 + (inTopK(control, i, k, y, this.topK) ? 2 : 0) + (inTopK(treatment, i, k, y, this.topK) ? 1 : 0);
          f.slots[i] = cell;
        }
      } else {
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
        }
      }
      if (label !== null && this.oorAt >= 0) {
        const y = label[i]!;
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
        f.slots[oorCol * n + i] = oc ? this.oorAt : -1;
        f.slots[(oorCol + 1) * n + i] = ot ? this.oorAt + 1 : -1;
        // scikit-learn 1.2 clips, then renormalizes each row to sum 1.
        const a = control[i * k + y]!,
          b = treatment[i * k + y]!;
        const ac = a < LOG_LOSS_EPS ? LOG_LOSS_EPS : a > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : a;
        const bc = b < LOG_LOSS_EPS ? LOG_LOSS_EPS : b > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : b;
        f.sums[this.llSum * n + i] = -Math.log(ac / sc);
        f.sums[(this.llSum + 1) * n + i] = -Math.log(bc / st);
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

  /** The replica's tallies: folded from the joint table, or read from the per-class counts. */
  private tallies(v: ReplicaView): Tallies {
    const k = this.k;
    const side = (): ClassCounts => ({ support: new Float64Array(k), predicted: new Float64Array(k), tp: new Float64Array(k) });
    const out: Tallies = { n: 0, c: side(), t: side(), mcn: new Float64Array(4), topk: new Float64Array(2), agree: 0 };
    if (this.joint) {
      const J = this.layout.jointCells,
        tb = this.topkBits;
      for (let cell = 0; cell < J; cell++) {
        const x = v.count(cell);
        if (x === 0) continue;
        out.n += x;
        const rest = cell >> tb;
        const pt = rest % k,
          pc = Math.floor(rest / k) % k;
        out.c.predicted[pc]! += x;
        out.t.predicted[pt]! += x;
        if (pc === pt) out.agree += x;
        if (!this.hasLabel) continue;
        const y = Math.floor(rest / (k * k));
        out.c.support[y]! += x;
        out.t.support[y]! += x;
        if (pc === y) out.c.tp[y]! += x;
        if (pt === y) out.t.tp[y]! += x;
        out.mcn[(pc === y ? 2 : 0) + (pt === y ? 1 : 0)]! += x;
        if (tb > 0) {
          if (cell & 2) out.topk[0]! += x;
          if (cell & 1) out.topk[1]! += x;
        }
      }
      return out;
    }
    out.n = v.W;
    for (let i = 0; i < k; i++) {
      out.c.predicted[i] = v.count(this.predCAt + i);
      out.t.predicted[i] = v.count(this.predTAt + i);
      if (this.hasLabel) {
        out.c.support[i] = out.t.support[i] = v.count(this.supportAt + i);
        out.c.tp[i] = v.count(this.tpCAt + i);
        out.t.tp[i] = v.count(this.tpTAt + i);
      }
    }
    if (this.hasLabel) for (let j = 0; j < 4; j++) out.mcn[j] = v.count(this.mcnAt + j);
    if (this.topkAt >= 0) for (let j = 0; j < 2; j++) out.topk[j] = v.count(this.topkAt + j);
    out.agree = v.count(this.agreeAt);
    return out;
  }

  discordant(v: ReplicaView): Discordant | null {
    if (!this.hasLabel) return null;
    const t = this.tallies(v);
    return { controlOnly: t.mcn[2]!, treatmentOnly: t.mcn[1]! };
  }

  derive(v: ReplicaView, out: Derived): void {
    const w = this.wanted;
    const t = this.tallies(v);
    // Counting metrics over the counted rows; per-row sums (log loss, differences) over the replica's
    // weight. In a resample the two differ: the joint cells are drawn per cell, the rows weighted.
    const n = t.n,
      W = v.W;
    const noRows = undef('no rows');
    if (this.hasLabel) {
      if (w.has('accuracy')) {
        const correct = (c: ClassCounts): Outcome => (n === 0 ? noRows : c.tp.reduce((a, b) => a + b, 0) / n);
        out.set('accuracy', { control: correct(t.c), treatment: correct(t.t) });
      }
      const prf = [...w].filter((m) => /^(precision|recall|f1)_(macro|micro|weighted)$/.test(m));
      if (prf.length > 0) {
        const ac = averagedPrf(t.c, this.k),
          at = averagedPrf(t.t, this.k);
        for (const m of prf) out.set(m, { control: ac[m as keyof typeof ac], treatment: at[m as keyof typeof at] });
      }
      if (this.topkBits > 0) {
        out.set('top_k_accuracy', {
          control: n === 0 ? noRows : t.topk[0]! / n,
          treatment: n === 0 ? noRows : t.topk[1]! / n,
        });
      }
      if (this.llSum >= 0) {
        const side = (sum: number, oor: number): Outcome =>
          W === 0
            ? noRows
            : oor > 0
              ? undef(`${oor} probability row(s) with values outside [0, 1]: log loss needs probabilities`)
              : finite(sum / W, 'log loss');
        out.set('log_loss', {
          control: side(v.sum(this.llSum), v.count(this.oorAt)),
          treatment: side(v.sum(this.llSum + 1), v.count(this.oorAt + 1)),
        });
      }
    }
    if (w.has('agreement')) out.set('agreement', n === 0 ? noRows : t.agree / n);
    if (w.has('flips')) out.set('flips', n - t.agree);
    if (this.madSum >= 0) out.set('mean_abs_diff', W === 0 ? noRows : finite(v.sum(this.madSum) / (W * this.k), 'mean_abs_diff'));
    if (this.madMax >= 0) out.set('max_abs_diff', W === 0 ? noRows : finite(v.max(this.madMax), 'max_abs_diff'));
  }
}
