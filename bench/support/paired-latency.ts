/**
 * Latency percentiles of two servers measured in alternating slices, and a paired block bootstrap of their ratio.
 *
 * Why this design (bench/serve-paired.ts): the p99 of one and the same server moves by ±40% from one 10 s run to
 * the next on a shared 2-core machine, because the slow spells that make a p99 (another process's burst, the load
 * generator's own pauses, a collection) last from milliseconds to seconds and come when they come. Two servers
 * measured one after the other see different spells. Measured in many short slices, alternated A B B A A B B A …,
 * both see the same mix of the machine's spells, and a drift over the run (the label store filling, the machine
 * getting busier) falls evenly on both.
 *
 * The interval: a **paired block bootstrap over slices**. Latencies within a slice are not independent — one stall
 * delays every request in flight and those queued behind it — so resampling single requests would make the interval
 * far too narrow. Slices are the blocks: a resample draws P pairs of adjacent slices (one of A, the one of B next to
 * it) with replacement, pools the drawn slices' latencies per server, and takes the ratio of the pooled percentiles.
 * Drawing a pair, not each server's slices apart, keeps what the two slices of a pair shared (the machine's state in
 * those ~2 s) together, so it cancels in the ratio as it does in the point estimate. The interval is the percentile
 * interval of the resampled ratios (type 7). An A/A run (two identical servers) tests the whole method: its interval
 * must cover 1.
 */
import { quantileSorted } from '../../stdlib/metrics/bootstrap-interval.ts';
import { SeededRandom } from '../../tools/seeded-random.ts';

/** One slice's latencies in ms, sorted ascending. */
export type Slice = Float64Array;

/** A pair of adjacent slices: `a` of server A, `b` of server B. */
export interface SlicePair {
  a: Slice;
  b: Slice;
}

/**
 * The q-quantile (q ∈ (0, 1)) of the pooled latencies of `slices`, slice i counted `weights[i]` times (default 1):
 * the smallest value v with at least ⌈q·n⌉ of the n pooled values ≤ v — bench/serve.ts's definition
 * (sorted[⌈q·n⌉ − 1]). Exact, without pooling or sorting: bisects over the values' range, counting by binary search
 * in each sorted slice (a resample costs O(64 · P · log n), not a sort of the pool). NaN when nothing is pooled.
 */
export function pooledQuantile(slices: readonly Slice[], q: number, weights?: ArrayLike<number>): number {
  let n = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < slices.length; i++) {
    const s = slices[i]!;
    const w = weights?.[i] ?? 1;
    if (w === 0 || s.length === 0) continue;
    n += w * s.length;
    lo = Math.min(lo, s[0]!);
    hi = Math.max(hi, s[s.length - 1]!);
  }
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * n));
  const atMost = (v: number): number => {
    let c = 0;
    for (let i = 0; i < slices.length; i++) {
      const w = weights?.[i] ?? 1;
      if (w !== 0) c += w * upperBound(slices[i]!, v);
    }
    return c;
  };
  // Invariant: atMost(lo) < rank ≤ atMost(hi). The answer is the smallest pooled value above lo.
  if (atMost(lo) >= rank) return lo;
  for (let k = 0; k < 64 && hi - lo > 0; k++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (atMost(mid) >= rank) hi = mid;
    else lo = mid;
  }
  let answer = Infinity;
  for (let i = 0; i < slices.length; i++) {
    const s = slices[i]!;
    if ((weights?.[i] ?? 1) === 0) continue;
    const j = upperBound(s, lo);
    if (j < s.length) answer = Math.min(answer, s[j]!);
  }
  return answer;
}

/** The number of values of ascending `s` that are ≤ v. */
function upperBound(s: Slice, v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A point estimate and its percentile interval. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

/** What {@link pairedQuantiles} reports at one quantile. */
export interface PairedQuantile {
  q: number;
  a: Estimate;
  b: Estimate;
  /** b / a. */
  ratio: Estimate;
  /** The share of resamples whose ratio exceeded `over` (e.g. 1.10: how sure the data are that B costs > 10%). */
  shareOver: number;
}

/**
 * Pooled quantiles of A and B over `pairs`, their ratio B/A, and percentile intervals at `level` from `resamples`
 * paired block-bootstrap resamples (see the file's header); `over`: the ratio whose exceedance share is reported.
 */
export function pairedQuantiles(
  pairs: readonly SlicePair[],
  qs: readonly number[],
  opts: { resamples?: number; level?: number; seed?: number; over?: number } = {},
): PairedQuantile[] {
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const over = opts.over ?? 1.1;
  // Seeded (tools/seeded-random.ts), so an interval can be reproduced from the same latencies.
  const random = new SeededRandom(opts.seed ?? 1);
  const rand = (): number => random.next();
  const as = pairs.map((p) => p.a);
  const bs = pairs.map((p) => p.b);
  const P = pairs.length;
  const draws = qs.map(() => ({ a: new Float64Array(resamples), b: new Float64Array(resamples), r: new Float64Array(resamples) }));
  const w = new Float64Array(P);
  for (let k = 0; k < resamples; k++) {
    w.fill(0);
    for (let j = 0; j < P; j++) w[Math.floor(rand() * P)]! += 1;
    qs.forEach((q, i) => {
      const a = pooledQuantile(as, q, w);
      const b = pooledQuantile(bs, q, w);
      draws[i]!.a[k] = a;
      draws[i]!.b[k] = b;
      draws[i]!.r[k] = b / a;
    });
  }
  const lo = (1 - level) / 2;
  const hi = (1 + level) / 2;
  const est = (value: number, d: Float64Array): Estimate => {
    const s = Float64Array.from(d).sort();
    return { value, low: quantileSorted(s, lo), high: quantileSorted(s, hi) };
  };
  return qs.map((q, i) => {
    const a = pooledQuantile(as, q);
    const b = pooledQuantile(bs, q);
    const d = draws[i]!;
    let n = 0;
    for (const r of d.r) if (r > over) n++;
    return { q, a: est(a, d.a), b: est(b, d.b), ratio: est(b / a, d.r), shareOver: n / resamples };
  });
}
