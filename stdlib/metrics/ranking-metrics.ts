/**
 * AUROC and average precision (AUPRC) from a ranking, optionally under integer bootstrap weights.
 *
 * Definitions (scikit-learn 1.2): AUROC is the Mann–Whitney probability that a positive outscores a
 * negative, ties counting one half — equal to the trapezoidal ROC area; AUPRC is average precision,
 * `Σ_k (R_k − R_{k−1}) P_k` over distinct thresholds in decreasing order, not the trapezoidal area.
 *
 * With integer weights every accumulated quantity is an integer, so the AUROC numerator is exact
 * (below 2^53, i.e. up to ~67M balanced rows) and the result does not depend on tie order.
 */
import type { Ranking } from './ranking.ts';
import { undef, type Outcome } from './metric-value.ts';

export interface AurocAuprc {
  auroc: Outcome;
  auprc: Outcome;
  /** Weighted number of positive and negative rows. */
  positives: number;
  negatives: number;
}

/**
 * One descending walk over the tie groups of `r`. `positive[j]` is 1 when the row at sorted position
 * j is positive (see `positivesInOrder`); `weights[row]` is the row's bootstrap weight, `null`
 * meaning weight 1 for every row.
 */
export function aurocAuprc(r: Ranking, positive: Uint8Array, weights: Uint8Array | null): AurocAuprc {
  const { order, groupEnd, groups, n } = r;
  let P = 0, N = 0;
  if (weights === null) {
    for (let j = 0; j < n; j++) P += positive[j]!;
    N = n - P;
  } else {
    for (let j = 0; j < n; j++) {
      const w = weights[order[j]!]!;
      const p = positive[j]!;
      P += w * p;
      N += w * (1 - p);
    }
  }
  let tp = 0, fp = 0, num = 0, ap = 0;
  for (let g = groups - 1; g >= 0; g--) {
    const start = g === 0 ? 0 : groupEnd[g - 1]!;
    const end = groupEnd[g]!;
    let pos = 0, all = 0;
    if (weights === null) {
      for (let j = start; j < end; j++) pos += positive[j]!;
      all = end - start;
    } else {
      for (let j = start; j < end; j++) {
        const w = weights[order[j]!]!;
        pos += w * positive[j]!;
        all += w;
      }
    }
    if (all === 0) continue;
    const neg = all - pos;
    tp += pos;
    fp += neg;
    // Negatives strictly below this group: N − fp; ties count one half → numerator doubled.
    num += pos * (2 * (N - fp) + neg);
    if (pos !== 0) ap += pos * (tp / (tp + fp));
  }
  const auroc: Outcome = P === 0 ? undef('no positive rows: AUROC is undefined')
    : N === 0 ? undef('no negative rows: AUROC is undefined')
    : num / (2 * P * N);
  const auprc: Outcome = P === 0 ? undef('no positive rows: average precision is undefined') : ap / P;
  return { auroc, auprc, positives: P, negatives: N };
}
