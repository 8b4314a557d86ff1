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
import { groupOpens, type Ranking } from './ranking.ts';
import { undef, type Outcome } from './metric-value.ts';

export interface AurocAuprc {
  auroc: Outcome;
  auprc: Outcome;
  /** Weighted number of positive and negative rows. */
  positives: number;
  negatives: number;
}

/**
 * One descending walk over the tie groups of `r`. Bit 0 of `positive[j]` is 1 when the row at sorted
 * position j is positive (see `positivesInOrder`; the others may hold the bootstrap's walk marks); `weights[row]` is the row's bootstrap weight, `null`
 * meaning weight 1 for every row.
 */
export function aurocAuprc(r: Ranking, positive: Uint8Array, weights: Uint8Array | null): AurocAuprc {
  if (weights === null) return unweighted(r, positive);
  const { order, n } = r;
  let P = 0,
    total = 0;
  for (let j = 0; j < n; j++) {
    const w = weights[order[j]!]!;
    P += w * (positive[j]! & 1);
    total += w;
  }
  const N = total - P;
  // One flat pass over the rows from the top score down, with no per-group arrays and no inner
  // loop per tie group (a resample is walked a thousand times; on continuous scores nearly every
  // group is a single row, and a loop per group cost more than the work in it). The pass keeps
  // running totals of positive and all weight; `opens[j]` is 1 at the first (lowest) position of
  // each tie group, where the group is complete: its counts are the totals' growth since tp and fp
  // (the totals at the previous group), and it is folded in under the mask c = opens[j] — rows
  // inside a group add exactly +0 (a data-dependent branch there mispredicts on partly tied scores
  // and measured 2× slower). Every quantity but `ap` is an integer (exact in any order); `ap`
  // receives its non-zero terms group by group from the top, the same order as the unweighted walk.
  // An empty group (all weights 0) adds exactly 0.
  //
  // The accumulators start at −0 rather than 0 (−0 + x = x for every x ≥ +0 they meet here, so no
  // result changes): V8 then types them as float64 from the start instead of as small integers that
  // overflow-check and convert on every row.
  const opens = groupOpens(r);
  let cumPos = -0,
    cumAll = -0,
    tp = -0,
    fp = -0,
    num = -0,
    ap = -0;
  for (let j = n - 1; j >= 0; j--) {
    const w = weights[order[j]!]!;
    cumPos += w * (positive[j]! & 1);
    cumAll += w;
    const c = opens[j]!;
    const fpNext = cumAll - cumPos;
    const pos = cumPos - tp,
      neg = fpNext - fp;
    // Negatives strictly below this group: N − fpNext; ties count one half → numerator doubled.
    num += c * (pos * (2 * (N - fpNext) + neg));
    ap += c * ((pos * cumPos) / (cumAll + +(cumAll === 0)));
    tp += c * pos;
    fp += c * neg;
  }
  return finishAurocAuprc(P, N, num, ap);
}

/** The point estimate (every weight 1): group totals first, then the same walk from the top. */
function unweighted(r: Ranking, positive: Uint8Array): AurocAuprc {
  const { groupEnd, groups, n } = r;
  const gPos = new Float64Array(groups),
    gAll = new Float64Array(groups);
  let P = 0;
  let start = 0;
  for (let g = 0; g < groups; g++) {
    const end = groupEnd[g]!;
    let pos = 0;
    for (let j = start; j < end; j++) pos += positive[j]! & 1;
    gPos[g] = pos;
    gAll[g] = end - start;
    P += pos;
    start = end;
  }
  const N = n - P;
  let tp = 0,
    fp = 0,
    num = 0,
    ap = 0;
  for (let g = groups - 1; g >= 0; g--) {
    const pos = gPos[g]!,
      neg = gAll[g]! - pos;
    tp += pos;
    fp += neg;
    num += pos * (2 * (N - fp) + neg);
    const seen = tp + fp;
    ap += (pos * tp) / (seen + +(seen === 0));
  }
  return finishAurocAuprc(P, N, num, ap);
}

/**
 * AUROC and AUPRC from a walk's totals: weighted positives P and negatives N, the doubled
 * Mann–Whitney numerator and the average-precision sum (before dividing by P).
 */
export function finishAurocAuprc(P: number, N: number, num: number, ap: number): AurocAuprc {
  const auroc: Outcome =
    P === 0 ? undef('no positive rows: AUROC is undefined') : N === 0 ? undef('no negative rows: AUROC is undefined') : num / (2 * P * N);
  const auprc: Outcome = P === 0 ? undef('no positive rows: average precision is undefined') : ap / P;
  return { auroc, auprc, positives: P, negatives: N };
}
