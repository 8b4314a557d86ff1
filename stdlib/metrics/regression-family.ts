/**
 * Metrics of a regression task: MAE, MSE, RMSE, R², max error, explained variance, and the
 * label-free score differences and Pearson correlation.
 *
 * Variances (the denominators of R² and explained variance, and Pearson's moments) come from the
 * replica bank's centred, Chan-merged moments, so a target with a large mean and a small spread
 * (prices, timestamps) keeps its digits.
 */
import { ChannelPlan, FeatureBuffers, type Derived, type MetricFamily, type ValidRows } from './metric-family.ts';
import type { BankLayout, BatchFeatures, ReplicaView } from './replica-bank.ts';
import { finite, undef, type Outcome } from './metric-value.ts';
import { pearsonFromMoments } from './moments.ts';

export class RegressionFamily implements MetricFamily {
  readonly layout: BankLayout;
  private readonly buf: FeatureBuffers;
  private readonly wanted: Set<string>;
  private readonly absSum: number;
  private readonly sqSum: number;
  private readonly madSum: number;
  private readonly errMax: number;
  private readonly madMax: number;
  // Moment variables (-1: absent) and pair indices.
  private readonly vY: number;
  private readonly vEc: number;
  private readonly vEt: number;
  private readonly vC: number;
  private readonly vT: number;
  private readonly pYY: number;
  private readonly pEcEc: number;
  private readonly pEtEt: number;
  private readonly pCC: number;
  private readonly pTT: number;
  private readonly pCT: number;

  constructor(hasLabel: boolean, metrics: readonly string[]) {
    this.wanted = new Set(metrics);
    const w = (m: string): boolean => this.wanted.has(m);
    const sums = new ChannelPlan();
    this.absSum = sums.take(hasLabel && w('mae'), 2);
    this.sqSum = sums.take(hasLabel && (w('mse') || w('rmse') || w('r2')), 2);
    this.madSum = sums.take(w('mean_abs_diff'), 1);
    const maxes = new ChannelPlan();
    this.errMax = maxes.take(hasLabel && w('max_error'), 2);
    this.madMax = maxes.take(w('max_abs_diff'), 1);
    const vars = new ChannelPlan();
    this.vY = vars.take(hasLabel && (w('r2') || w('explained_variance')), 1);
    this.vEc = vars.take(hasLabel && w('explained_variance'), 1);
    this.vEt = this.vEc >= 0 ? this.vEc + 1 : -1;
    if (this.vEc >= 0) vars.take(true, 1);
    this.vC = vars.take(w('pearson'), 1);
    this.vT = this.vC >= 0 ? this.vC + 1 : -1;
    if (this.vC >= 0) vars.take(true, 1);
    const pairs: [number, number][] = [];
    const pair = (a: number, b: number): number => (a < 0 ? -1 : pairs.push([a, b]) - 1);
    this.pYY = pair(this.vY, this.vY);
    this.pEcEc = pair(this.vEc, this.vEc);
    this.pEtEt = pair(this.vEt, this.vEt);
    this.pCC = pair(this.vC, this.vC);
    this.pTT = pair(this.vT, this.vT);
    this.pCT = this.vC < 0 ? -1 : pair(this.vC, this.vT);
    this.layout = { counts: 0, jointCells: 0, slotsPerRow: 0, sums: sums.size, maxes: maxes.size, vars: vars.size, pairs };
    this.buf = new FeatureBuffers(this.layout);
  }

  features(rows: ValidRows): BatchFeatures {
    const { n, control, treatment, label } = rows;
    const f = this.buf.reset(n);
    for (let i = 0; i < n; i++) {
      const c = control[i]!,
        t = treatment[i]!;
      const y = label === null ? 0 : label[i]!;
      const ec = c - y,
        et = t - y;
      if (this.absSum >= 0) {
        f.sums[this.absSum * n + i] = Math.abs(ec);
        f.sums[(this.absSum + 1) * n + i] = Math.abs(et);
      }
      if (this.sqSum >= 0) {
        f.sums[this.sqSum * n + i] = ec * ec;
        f.sums[(this.sqSum + 1) * n + i] = et * et;
      }
      if (this.madSum >= 0) f.sums[this.madSum * n + i] = Math.abs(t - c);
      if (this.errMax >= 0) {
        f.maxes[this.errMax * n + i] = Math.abs(ec);
        f.maxes[(this.errMax + 1) * n + i] = Math.abs(et);
      }
      if (this.madMax >= 0) f.maxes[this.madMax * n + i] = Math.abs(t - c);
      if (this.vY >= 0) f.vars[this.vY * n + i] = y;
      if (this.vEc >= 0) {
        f.vars[this.vEc * n + i] = ec;
        f.vars[this.vEt * n + i] = et;
      }
      if (this.vC >= 0) {
        f.vars[this.vC * n + i] = c;
        f.vars[this.vT * n + i] = t;
      }
    }
    return f;
  }

  discordant(): null {
    return null;
  }

  derive(v: ReplicaView, out: Derived): void {
    const w = this.wanted;
    const n = v.W;
    const noRows = undef('no rows');
    const mean = (sum: number, what: string): Outcome => (n === 0 ? noRows : finite(sum / n, what));
    if (this.absSum >= 0) out.set('mae', { control: mean(v.sum(this.absSum), 'mae'), treatment: mean(v.sum(this.absSum + 1), 'mae') });
    if (this.sqSum >= 0) {
      const mse = { control: mean(v.sum(this.sqSum), 'mse'), treatment: mean(v.sum(this.sqSum + 1), 'mse') };
      if (w.has('mse')) out.set('mse', mse);
      if (w.has('rmse')) {
        const root = (x: Outcome): Outcome => (typeof x === 'number' ? Math.sqrt(x) : x);
        out.set('rmse', { control: root(mse.control), treatment: root(mse.treatment) });
      }
      if (w.has('r2')) {
        const r2 = (ssRes: number): Outcome => {
          if (n < 2) return undef('fewer than two rows: R² is undefined');
          // scikit-learn force_finite: constant labels give 1 (perfect) or 0.
          if (v.constant(this.vY)) return ssRes === 0 ? 1 : 0;
          return finite(1 - ssRes / v.comoment(this.pYY), 'R²');
        };
        out.set('r2', { control: r2(v.sum(this.sqSum)), treatment: r2(v.sum(this.sqSum + 1)) });
      }
    }
    if (this.errMax >= 0) {
      out.set('max_error', { control: n === 0 ? noRows : v.max(this.errMax), treatment: n === 0 ? noRows : v.max(this.errMax + 1) });
    }
    if (w.has('explained_variance') && this.vEc >= 0) {
      const ev = (vE: number, pEE: number): Outcome => {
        if (n < 2) return undef('fewer than two rows: explained variance is undefined');
        const errConst = v.constant(vE);
        if (v.constant(this.vY)) return errConst ? 1 : 0;
        return finite(1 - (errConst ? 0 : v.comoment(pEE)) / v.comoment(this.pYY), 'explained variance');
      };
      out.set('explained_variance', { control: ev(this.vEc, this.pEcEc), treatment: ev(this.vEt, this.pEtEt) });
    }
    if (this.madSum >= 0) out.set('mean_abs_diff', mean(v.sum(this.madSum), 'mean_abs_diff'));
    if (this.madMax >= 0) out.set('max_abs_diff', n === 0 ? noRows : finite(v.max(this.madMax), 'max_abs_diff'));
    if (this.vC >= 0) out.set('pearson', pearsonFromMoments(v, this.vC, this.vT, this.pCC, this.pTT, this.pCT));
  }
}
