/**
 * DeLong's test for the difference of two correlated AUROCs (both models scored the same rows),
 * as R pROC `roc.test(method = "delong", paired = TRUE)`. The structural components and their
 * covariances come from the rankings in `binary-point.ts` (Sun & Xu's O(n log n) algorithm); this
 * file turns them into the test.
 */
import erfc from '@stdlib/math-base-special-erfc';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { DeLongResult } from '../../plan/result-types.ts';
import type { Undefined } from './metric-value.ts';

/**
 * DeLong's paired test from the AUROCs and the components' 2×2 sample covariances over positives
 * (S10, denominator P − 1) and negatives (S01, N − 1): Var(AUC_c − AUC_t) = (S10_cc + S10_tt −
 * 2·S10_ct)/P + (S01_cc + S01_tt − 2·S01_ct)/N, z = (AUC_c − AUC_t)/√Var (pROC's orientation),
 * p = erfc(|z|/√2) (two-sided, no 1 − cdf cancellation for tiny p).
 */
export function delongFromMoments(
  aucC: number,
  aucT: number,
  s10cc: number,
  s01cc: number,
  s10tt: number,
  s01tt: number,
  s10ct: number,
  s01ct: number,
  P: number,
  N: number,
  level: number,
): DeLongResult | Undefined {
  const varC = s10cc / P + s01cc / N;
  const varT = s10tt / P + s01tt / N;
  const varD = Math.max(0, varC + varT - 2 * (s10ct / P + s01ct / N));
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
