/**
 * Every binary metric of ONE model over arrays already in memory, as fast as the platform allows:
 * the kernel behind `bench/metrics.ts`, and a convenience for callers that have a score column and
 * labels and want scikit-learn's numbers without an accumulator.
 *
 * - counting metrics: one branch-free pass (`+(s >= t)` compiles to a flag, not a jump);
 * - log loss and Brier score: Neumaier-compensated sums;
 * - exact AUROC and average precision: the scores of positive and of negative rows are radix-sorted
 *   separately on their 32-bit keys (no payload to move), then merged from the top, tie group by
 *   tie group. Scores that are not all exactly float32 fall back to the 64-bit argsort ranking.
 */
import { binaryRates, LOG_LOSS_EPS, type BinaryCounts } from './binary-family.ts';
import { finite, undef, type Outcome } from './metric-value.ts';
import { sortFloat32Keys, float32Key } from './radix-sort.ts';
import { positivesInOrder, rankColumn } from './ranking.ts';
import { aurocAuprc } from './ranking-metrics.ts';

export interface BinaryModelMetrics {
  /** Rows counted. */
  rows: number;
  /** Rows left out: a NaN score or a label other than 0/1. */
  skipped: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  accuracy: Outcome;
  precision: Outcome;
  recall: Outcome;
  f1: Outcome;
  specificity: Outcome;
  balanced_accuracy: Outcome;
  mcc: Outcome;
  auroc: Outcome;
  auprc: Outcome;
  log_loss: Outcome;
  brier: Outcome;
}

/**
 * All binary metrics of one model. `labels[i]` is 0 or 1; a row is predicted positive iff
 * `scores[i] >= threshold`. Rows with a NaN score or another label are skipped and counted.
 */
export function binaryModelMetrics(scores: Float32Array | Float64Array, labels: ArrayLike<number>, threshold: number): BinaryModelMetrics {
  let s = scores, y = labels;
  const total = scores.length;
  let bad = 0;
  for (let i = 0; i < total; i++) {
    const v = s[i]!, l = y[i]!;
    bad += +(v !== v) | +(l * (1 - l) !== 0);
  }
  if (bad > 0) {
    // Rare path: copy the valid rows out.
    const keep = total - bad;
    const s2 = scores instanceof Float32Array ? new Float32Array(keep) : new Float64Array(keep);
    const y2 = new Uint8Array(keep);
    let n = 0;
    for (let i = 0; i < total; i++) {
      const v = s[i]!, l = y[i]!;
      if (v !== v || l * (1 - l) !== 0) continue;
      s2[n] = v; y2[n++] = l;
    }
    s = s2; y = y2;
  }
  const n = s.length;
  // One fused pass (the loop is bound by Math.log; the counts ride along for free): predicted
  // positives, positives, true positives, scores outside [0, 1], compensated loss sums.
  let pp = 0, pos = 0, tp = 0, oor = 0, ll = 0, llc = 0, br = 0, brc = 0;
  const hi = 1 - LOG_LOSS_EPS;
  for (let i = 0; i < n; i++) {
    const v = s[i]!, l = y[i]!;
    const p = +(v >= threshold);
    pp += p;
    pos += l;
    tp += p & l;
    oor += +(v < 0) | +(v > 1);
    const c = Math.min(Math.max(v, LOG_LOSS_EPS), hi);
    const x = -Math.log(l * c + (1 - l) * (1 - c));
    let t = ll + x;
    llc += Math.abs(ll) >= x ? (ll - t) + x : (x - t) + ll;
    ll = t;
    const d = (v - l) * (v - l);
    t = br + d;
    brc += Math.abs(br) >= d ? (br - t) + d : (d - t) + br;
    br = t;
  }
  const counts = { tp, fp: pp - tp, fn: pos - tp, tn: n - pp - pos + tp };
  const rates = binaryRates(counts);
  const side = (sum: number, what: string): Outcome =>
    n === 0 ? undef('no rows') : oor > 0 ? undef(`${oor} score(s) outside [0, 1]: ${what} needs probabilities`) : finite(sum / n, what);
  const ranked = rankingMetrics(s, y, n, pos);
  return {
    rows: n, skipped: bad, ...counts, ...rates,
    auroc: ranked.auroc, auprc: ranked.auprc,
    log_loss: side(ll + llc, 'log loss'), brier: side(br + brc, 'Brier score'),
  };
}

/**
 * Confusion counts at `threshold` in one branch-free pass. Preconditions: no NaN score, labels 0/1
 * (binaryModelMetrics checks them).
 */
export function confusionCounts(scores: Float32Array | Float64Array, labels: ArrayLike<number>, threshold: number): BinaryCounts {
  const n = scores.length;
  let pp = 0, pos = 0, tp = 0;
  for (let i = 0; i < n; i++) {
    const p = +(scores[i]! >= threshold), l = labels[i]!;
    pp += p;
    pos += l;
    tp += p & l;
  }
  return { tp, fp: pp - tp, fn: pos - tp, tn: n - pp - pos + tp };
}

function rankingMetrics(s: Float32Array | Float64Array, y: ArrayLike<number>, n: number, P: number): { auroc: Outcome; auprc: Outcome } {
  const N = n - P;
  if (P === 0) return { auroc: undef('no positive rows: AUROC is undefined'), auprc: undef('no positive rows: average precision is undefined') };
  let allF32 = s instanceof Float32Array;
  if (!allF32) {
    allF32 = true;
    for (let i = 0; i < n; i++) if (Math.fround(s[i]!) !== s[i]) { allF32 = false; break; }
  }
  if (!allF32) {
    const r = rankColumn(s, 1, 0, null, n);
    const a = aurocAuprc(r, positivesInOrder(r, y, 1), null);
    return { auroc: a.auroc, auprc: a.auprc };
  }
  // One spare slot each: every key is written to both arrays and only the right cursor advances,
  // so the split has no data-dependent branch.
  const posKeys = new Uint32Array(P + 1), negKeys = new Uint32Array(N + 1);
  let ip = 0, ineg = 0;
  if (s instanceof Float32Array) {
    // Keys straight from the float32 bits; -0 (bits 0x80000000) is read as +0 so that it ties with it.
    const bits = new Int32Array(s.buffer, s.byteOffset, n);
    for (let i = 0; i < n; i++) {
      let b = bits[i]!;
      b = b === -2147483648 ? 0 : b;
      const k = (b ^ ((b >> 31) | 0x80000000)) >>> 0;
      const l = y[i]!;
      posKeys[ip] = k;
      negKeys[ineg] = k;
      ip += l;
      ineg += 1 - l;
    }
  } else {
    for (let i = 0; i < n; i++) {
      // -0 and +0 must share a key: adding +0 turns -0 into +0.
      const k = float32Key(s[i]! + 0);
      const l = y[i]!;
      posKeys[ip] = k;
      negKeys[ineg] = k;
      ip += l;
      ineg += 1 - l;
    }
  }
  const ps = sortFloat32Keys(posKeys.subarray(0, P)), ns = sortFloat32Keys(negKeys.subarray(0, N));
  // Merge from the top: each step takes one distinct key with its positives and negatives.
  let i = P - 1, j = N - 1, tp = 0, fp = 0, num = 0, ap = 0;
  while (i >= 0 || j >= 0) {
    const kp = i >= 0 ? ps[i]! : -1, kn = j >= 0 ? ns[j]! : -1;
    const k = kp > kn ? kp : kn;
    let dp = 0, dn = 0;
    while (i >= 0 && ps[i] === k) { dp++; i--; }
    while (j >= 0 && ns[j] === k) { dn++; j--; }
    tp += dp;
    fp += dn;
    num += dp * (2 * (N - fp) + dn);
    if (dp !== 0) ap += dp * (tp / (tp + fp));
  }
  return {
    auroc: N === 0 ? undef('no negative rows: AUROC is undefined') : num / (2 * P * N),
    auprc: ap / P,
  };
}
