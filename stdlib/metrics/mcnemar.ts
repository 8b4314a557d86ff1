/**
 * McNemar's test for paired accuracy: do the two models err on different rows more often in one
 * direction than chance allows?
 *
 * Only the discordant rows matter: b = control right and treatment wrong, c = the reverse. Under the
 * null each discordant row goes either way with probability ½.
 * - exact: two-sided binomial test, p = min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, ½) — the lower
 *   tail comes straight from the binomial CDF, so tiny p-values keep their precision;
 * - chi-square with continuity correction: (|b − c| − 1)² / (b + c), p from the chi-square(1)
 *   survival function, which is erfc(√(x/2)) exactly;
 * as statsmodels 0.13 `mcnemar`. With no discordant rows both p-values are 1.
 */
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import erfc from '@stdlib/math-base-special-erfc';
import type { McNemarResult } from '../../plan/result-types.ts';

/** Below this many discordant rows the headline p-value is the exact one. */
export const MCNEMAR_EXACT_BELOW = 25;

export function mcnemar(controlOnlyCorrect: number, treatmentOnlyCorrect: number): McNemarResult {
  const b = controlOnlyCorrect,
    c = treatmentOnlyCorrect;
  const n = b + c;
  if (n === 0) {
    return {
      control_only_correct: b,
      treatment_only_correct: c,
      discordant: 0,
      pvalue_exact: 1,
      statistic_chi2_cc: null,
      pvalue_chi2_cc: 1,
      pvalue: 1,
      method: 'exact',
    };
  }
  const pExact = Math.min(1, 2 * binomialCdf(Math.min(b, c), n, 0.5));
  const stat = (Math.abs(b - c) - 1) ** 2 / n;
  const pChi = Math.min(1, erfc(Math.sqrt(stat / 2)));
  const exact = n < MCNEMAR_EXACT_BELOW;
  return {
    control_only_correct: b,
    treatment_only_correct: c,
    discordant: n,
    pvalue_exact: pExact,
    statistic_chi2_cc: stat,
    pvalue_chi2_cc: pChi,
    pvalue: exact ? pExact : pChi,
    method: exact ? 'exact' : 'chi2_cc',
  };
}
