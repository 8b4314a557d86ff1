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
import { groupIndex, type Ranking } from './ranking.ts';
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
  // One pass over rows: weighted positives and rows per tie group.
  const gPos = new Float64Array(groups), gAll = new Float64Array(groups);
  let P = 0, total = 0;
  if (weights === null) {
    let start = 0;
    for (let g = 0; g < groups; g++) {
      const end = groupEnd[g]!;
      let pos = 0;
      for (let j = start; j < end; j++) pos += positive[j]!;
      gPos[g] = pos;
      gAll[g] = end - start;
      P += pos;
      start = end;
    }
    total = n;
  } else {
    // A flat loop through the group index: no per-group loop set-up, no branch.
    const gi = groupIndex(r);
    for (let j = 0; j < n; j++) {
      const w = weights[order[j]!]!;
      const g = gi[j]!;
      const pw = w * positive[j]!;
      gPos[g]! += pw;
      gAll[g]! += w;
      P += pw;
      total += w;
    }
  }
  const N = total - P;
  // One pass over groups, from the top. No data-dependent branch: an empty group (all weights 0)
  // adds exactly 0 to both sums.
  let tp = 0, fp = 0, num = 0, ap = 0;
  for (let g = groups - 1; g >= 0; g--) {
    const pos = gPos[g]!, neg = gAll[g]! - pos;
    tp += pos;
    fp += neg;
    // Negatives strictly below this group: N − fp; ties count one half → numerator doubled.
    num += pos * (2 * (N - fp) + neg);
    const seen = tp + fp;
    ap += (pos * tp) / (seen + +(seen === 0));
  }
  const auroc: Outcome = P === 0 ? undef('no positive rows: AUROC is undefined')
    : N === 0 ? undef('no negative rows: AUROC is undefined')
    : num / (2 * P * N);
  const auprc: Outcome = P === 0 ? undef('no positive rows: average precision is undefined') : ap / P;
  return { auroc, auprc, positives: P, negatives: N };
}
