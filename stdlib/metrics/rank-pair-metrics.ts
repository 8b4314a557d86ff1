/**
 * Label-free metrics that compare the two models' score distributions and need the sorted scores:
 * Spearman's rank correlation, the two-sample Kolmogorov–Smirnov statistic and the population
 * stability index. Each takes optional integer bootstrap weights (a row of weight w counts as w
 * copies; weight 0 drops it), so the point estimate and every resample run the same code.
 *
 * Both rankings must cover the same rows (one per model).
 */
import type { Ranking } from './ranking.ts';
import { finite, undef, type Outcome } from './metric-value.ts';

/** Number of PSI bins (cut at the control deciles). */
export const PSI_BINS = 10;
/** PSI floor for a bin's fraction, so an empty bin gives a large finite term instead of infinity. */
export const PSI_MIN_FRACTION = 1e-4;

function weightOf(weights: Uint8Array | null, row: number): number {
  return weights === null ? 1 : weights[row]!;
}

/** Per-group total weight of a ranking. */
function groupWeights(r: Ranking, weights: Uint8Array | null): Float64Array {
  const gw = new Float64Array(r.groups);
  let start = 0;
  for (let g = 0; g < r.groups; g++) {
    const end = r.groupEnd[g]!;
    if (weights === null) gw[g] = end - start;
    else {
      let s = 0;
      for (let j = start; j < end; j++) s += weights[r.order[j]!]!;
      gw[g] = s;
    }
    start = end;
  }
  return gw;
}

/**
 * Write each row's average rank (1-based, ties averaged; a row of weight w is w tied copies) into
 * `ranks[row]`. Returns how many tie groups have non-zero weight (1 means constant).
 */
function averageRanks(r: Ranking, weights: Uint8Array | null, ranks: Float64Array): number {
  let cum = 0,
    live = 0,
    start = 0;
  for (let g = 0; g < r.groups; g++) {
    const end = r.groupEnd[g]!;
    let wg = 0;
    for (let j = start; j < end; j++) wg += weightOf(weights, r.order[j]!);
    if (wg > 0) {
      live++;
      const rank = cum + (wg + 1) / 2;
      for (let j = start; j < end; j++) ranks[r.order[j]!] = rank;
      cum += wg;
    }
    start = end;
  }
  return live;
}

/**
 * Spearman's rho: the Pearson correlation of average ranks (scipy `spearmanr`). `scratchC` and
 * `scratchT` are indexed by row and must be long enough for every row of the rankings.
 */
export function spearman(rc: Ranking, rt: Ranking, weights: Uint8Array | null, scratchC: Float64Array, scratchT: Float64Array): Outcome {
  const liveC = averageRanks(rc, weights, scratchC);
  const liveT = averageRanks(rt, weights, scratchT);
  if (liveC === 0) return undef('no rows');
  if (liveC === 1) return undef('control scores are constant: correlation is undefined');
  if (liveT === 1) return undef('treatment scores are constant: correlation is undefined');
  // Two passes (means, then centred sums) over the rows with non-zero weight.
  let W = 0,
    sc = 0,
    st = 0;
  const order = rc.order;
  for (let j = 0; j < rc.n; j++) {
    const row = order[j]!;
    const w = weightOf(weights, row);
    if (w === 0) continue;
    W += w;
    sc += w * scratchC[row]!;
    st += w * scratchT[row]!;
  }
  const mc = sc / W,
    mt = st / W;
  let cc = 0,
    tt = 0,
    ct = 0;
  for (let j = 0; j < rc.n; j++) {
    const row = order[j]!;
    const w = weightOf(weights, row);
    if (w === 0) continue;
    const a = scratchC[row]! - mc,
      b = scratchT[row]! - mt;
    cc += w * a * a;
    tt += w * b * b;
    ct += w * a * b;
  }
  const rho = ct / Math.sqrt(cc * tt);
  if (!Number.isFinite(rho)) return undef('correlation is not finite');
  return rho > 1 ? 1 : rho < -1 ? -1 : rho;
}

/** Two-sample KS statistic: max |F_c(x) − F_t(x)| over the union of score values. */
export function ksStatistic(rc: Ranking, rt: Ranking, weights: Uint8Array | null): Outcome {
  const wc = groupWeights(rc, weights),
    wt = groupWeights(rt, weights);
  let W = 0;
  for (let g = 0; g < rc.groups; g++) W += wc[g]!;
  if (W === 0) return undef('no rows');
  // Both CDFs share the denominator W (paired rows): compare integer cumulative weights, divide once.
  let i = 0,
    j = 0,
    cc = 0,
    ct = 0,
    d = 0;
  while (i < rc.groups || j < rt.groups) {
    const vc = i < rc.groups ? rc.groupValue[i]! : Infinity;
    const vt = j < rt.groups ? rt.groupValue[j]! : Infinity;
    const v = vc < vt ? vc : vt;
    if (vc === v) cc += wc[i++]!;
    if (vt === v) ct += wt[j++]!;
    const gap = Math.abs(cc - ct);
    if (gap > d) d = gap;
  }
  return d / W;
}

/**
 * Population stability index of the treatment scores against the control scores, with bins cut at
 * the control deciles (edge i = smallest control score whose weighted ECDF reaches i/10; bins
 * right-closed; fractions floored at {@link PSI_MIN_FRACTION}).
 */
export function psi(rc: Ranking, rt: Ranking, weights: Uint8Array | null): Outcome {
  const wc = groupWeights(rc, weights),
    wt = groupWeights(rt, weights);
  let W = 0;
  for (let g = 0; g < rc.groups; g++) W += wc[g]!;
  if (W === 0) return undef('no rows');
  const edges = new Float64Array(PSI_BINS - 1);
  let e = 0,
    cum = 0;
  for (let g = 0; g < rc.groups && e < PSI_BINS - 1; g++) {
    cum += wc[g]!;
    // cum / W >= (e + 1) / 10, compared in integers.
    while (e < PSI_BINS - 1 && cum * PSI_BINS >= (e + 1) * W) edges[e++] = rc.groupValue[g]!;
  }
  const binsC = binCounts(rc, wc, edges),
    binsT = binCounts(rt, wt, edges);
  let sum = 0;
  for (let b = 0; b < PSI_BINS; b++) {
    const pc = Math.max(binsC[b]! / W, PSI_MIN_FRACTION);
    const pt = Math.max(binsT[b]! / W, PSI_MIN_FRACTION);
    sum += (pt - pc) * Math.log(pt / pc);
  }
  return finite(sum, 'PSI');
}

/** Weighted count per bin; bin(x) = number of edges strictly below x. */
function binCounts(r: Ranking, gw: Float64Array, edges: Float64Array): Float64Array {
  const out = new Float64Array(PSI_BINS);
  let b = 0;
  for (let g = 0; g < r.groups; g++) {
    const v = r.groupValue[g]!;
    while (b < edges.length && edges[b]! < v) b++;
    out[b]! += gw[g]!;
  }
  return out;
}
