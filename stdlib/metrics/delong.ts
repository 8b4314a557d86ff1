/**
 * DeLong's test for the difference of two correlated AUROCs (both models scored the same rows),
 * as R pROC `roc.test(method = "delong", paired = TRUE)`.
 *
 * Structural components: for a positive row, V10 = (negatives below + ½ tied) / N; for a negative,
 * V01 = (positives above + ½ tied) / P. Each AUROC is the mean of its V10. With S10 and S01 the
 * 2×2 sample covariances (denominators P − 1 and N − 1) of the models' components over positives
 * and negatives, Var(AUC_c − AUC_t) = (S10_cc + S10_tt − 2·S10_ct)/P + (S01_cc + S01_tt − 2·S01_ct)/N,
 * z = (AUC_c − AUC_t)/√Var (pROC's orientation), p = erfc(|z|/√2) (two-sided, no 1 − cdf
 * cancellation for tiny p).
 */
import erfc from '@stdlib/math-base-special-erfc';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Ranking } from './ranking.ts';
import type { DeLongResult } from '../../plan/result-types.ts';
import type { Undefined } from './metric-value.ts';

/** Structural components of one model, indexed by row (V10 for positives, V01 for negatives). */
function components(r: Ranking, positive: Uint8Array, P: number, N: number, out: Float64Array): void {
  const { order, groupEnd, groups } = r;
  let posBelow = 0,
    negBelow = 0,
    start = 0;
  for (let g = 0; g < groups; g++) {
    const end = groupEnd[g]!;
    let pos = 0;
    for (let j = start; j < end; j++) pos += positive[j]!;
    const neg = end - start - pos;
    const v10 = (negBelow + neg / 2) / N;
    const v01 = (P - posBelow - pos + pos / 2) / P;
    for (let j = start; j < end; j++) out[order[j]!] = positive[j] === 1 ? v10 : v01;
    posBelow += pos;
    negBelow += neg;
    start = end;
  }
}

/**
 * DeLong's paired test. `rc` and `rt` rank the same rows, which are exactly rows 0..rowsSpan-1;
 * `posC`/`posT` flag the positive rows in each ranking's order (`positivesInOrder`) and
 * `positiveRow` by row number; `level` is the interval level of the delta. Undefined (with the
 * reason) when a class has fewer than two rows or the variance is zero while the AUROCs differ.
 */
export function delongTest(
  rc: Ranking,
  posC: Uint8Array,
  rt: Ranking,
  posT: Uint8Array,
  positiveRow: ArrayLike<number>,
  rowsSpan: number,
  level: number,
): DeLongResult | Undefined {
  let P = 0;
  for (let j = 0; j < rc.n; j++) P += posC[j]!;
  const N = rc.n - P;
  if (P < 2) return { reason: `DeLong's test needs at least two positive rows (got ${P})` };
  if (N < 2) return { reason: `DeLong's test needs at least two negative rows (got ${N})` };
  const vc = new Float64Array(rowsSpan),
    vt = new Float64Array(rowsSpan);
  components(rc, posC, P, N, vc);
  components(rt, posT, P, N, vt);
  // Means per class, then centred cross-products (two passes for accuracy), in row order: the
  // components were scattered by row, so these reads are sequential.
  let mcP = 0,
    mtP = 0,
    mcN = 0,
    mtN = 0;
  for (let row = 0; row < rowsSpan; row++) {
    if (positiveRow[row] === 1) {
      mcP += vc[row]!;
      mtP += vt[row]!;
    } else {
      mcN += vc[row]!;
      mtN += vt[row]!;
    }
  }
  mcP /= P;
  mtP /= P;
  mcN /= N;
  mtN /= N;
  let pcc = 0,
    ptt = 0,
    pct = 0,
    ncc = 0,
    ntt = 0,
    nct = 0;
  for (let row = 0; row < rowsSpan; row++) {
    if (positiveRow[row] === 1) {
      const a = vc[row]! - mcP,
        b = vt[row]! - mtP;
      pcc += a * a;
      ptt += b * b;
      pct += a * b;
    } else {
      const a = vc[row]! - mcN,
        b = vt[row]! - mtN;
      ncc += a * a;
      ntt += b * b;
      nct += a * b;
    }
  }
  const s10cc = pcc / (P - 1),
    s10tt = ptt / (P - 1),
    s10ct = pct / (P - 1);
  const s01cc = ncc / (N - 1),
    s01tt = ntt / (N - 1),
    s01ct = nct / (N - 1);
  const varC = s10cc / P + s01cc / N;
  const varT = s10tt / P + s01tt / N;
  const varD = Math.max(0, varC + varT - 2 * (s10ct / P + s01ct / N));
  const aucC = mcP,
    aucT = mtP;
  const diff = aucC - aucT;
  const se = Math.sqrt(varD);
  let z: number, p: number;
  if (se === 0) {
    if (diff !== 0) return { reason: "the AUROCs differ but their difference has zero variance: DeLong's test is undefined" };
    z = 0;
    p = 1;
  } else {
    z = diff / se;
    p = Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
  }
  const q = normalQuantile((1 + level) / 2, 0, 1);
  const delta = aucT - aucC;
  return {
    auc_control: aucC,
    auc_treatment: aucT,
    delta,
    se,
    z,
    pvalue: p,
    interval: { low: delta - q * se, high: delta + q * se, level, method: 'delong', reason: null },
    se_control: Math.sqrt(varC),
    se_treatment: Math.sqrt(varT),
    positives: P,
    negatives: N,
  };
}

/** Normal-theory interval `center ± z·se` at `level`. */
export function normalInterval(center: number, se: number, level: number): { low: number; high: number } {
  const q = normalQuantile((1 + level) / 2, 0, 1);
  return { low: center - q * se, high: center + q * se };
}
