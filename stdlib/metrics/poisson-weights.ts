/**
 * Counter-based Poisson(1) bootstrap weights.
 *
 * The weight of a row in resample `r` is a pure function of (seed, global row id, r): nothing depends
 * on the order rows arrive in, on batch boundaries, or on which shard saw the row. That is what makes
 * a sharded replay, merged, produce exactly the bootstrap of one unsharded pass — and lets counting
 * metrics (streamed) and ranking metrics (recomputed from stored rows at the end) see the same
 * resample.
 *
 * Construction (all 32-bit integer arithmetic, no BigInt in the hot loop):
 * - `L` is Chris Wellons' `lowbias32` integer finalizer, a bijection on 32-bit words with low bias.
 * - row key: `(k0, k1) = (L(lo ^ L(hi ^ s0)), L(hi ^ L(k0 ^ s1)))` — a bijection of the 53-bit row id
 *   into 64 bits, salted by the seed words `(s0, s1)`;
 * - resample key: `q_r = L(L(r ^ s1) + s0)`;
 * - uniform word: `u = L(k0 ^ q_r) ^ k1` — one mixing round per (row, resample), the inner loop of
 *   the bootstrap (a second round cost ~40% more time in a micro-benchmark; with one, the weights
 *   still pass the moment and correlation tests of poisson-weights.test.ts; `k1` keeps rows whose
 *   `k0` collide apart);
 * - weight: the Poisson(1) inverse CDF of `u / 2^32`, by comparison against the thresholds below.
 */

/** Wellons' lowbias32: a bijective 32-bit mixer. Returns an unsigned 32-bit integer. */
export function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * `POISSON1_THRESHOLDS[k] = floor(P(X ≤ k) · 2^32)` for X ~ Poisson(1), computed once with 60-digit
 * decimal arithmetic and written here as integers so every platform draws the same weights.
 * The weight is the smallest k with `u < POISSON1_THRESHOLDS[k]`; the last entry is 2^32 (cap 13).
 */
export const POISSON1_THRESHOLDS: readonly number[] = [
  1580030168, 3160060337, 3950075421, 4213413783, 4279248373, 4292415291, 4294609777, 4294923276, 4294962463, 4294966817, 4294967252, 4294967292,
  4294967295, 4294967296,
];

const T0 = 1580030168,
  T1 = 3160060337,
  T2 = 3950075421,
  T3 = 4213413783;

/** Poisson(1) variate from an unsigned 32-bit uniform word. */
export function poisson1(u: number): number {
  if (u < T0) return 0;
  if (u < T1) return 1;
  if (u < T2) return 2;
  if (u < T3) return 3;
  let k = 4;
  while (u >= POISSON1_THRESHOLDS[k]!) k++;
  return k;
}

/** The two 32-bit salt words of a seed (any safe integer, negative included). */
export function seedWords(seed: number): [number, number] {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  const s0 = lowbias32(lo ^ 0x9e3779b9);
  const s1 = lowbias32(hi ^ 0x85ebca6b ^ s0);
  return [s0, s1];
}

/** Per-resample keys `q_r` for r = 0..count-1. */
export function resampleKeys(seed: number, count: number): Uint32Array {
  const [s0, s1] = seedWords(seed);
  const out = new Uint32Array(count);
  for (let r = 0; r < count; r++) out[r] = lowbias32((lowbias32(r ^ s1) + s0) >>> 0);
  return out;
}

/**
 * Row keys of `rowIds[i]` for i in [0, n) into `k0`, `k1`. Row ids are non-negative integers below
 * 2^53 (the caller has already rejected others).
 */
export function fillRowKeys(seed: number, rowIds: ArrayLike<number>, n: number, k0: Uint32Array, k1: Uint32Array): void {
  const [s0, s1] = seedWords(seed);
  for (let i = 0; i < n; i++) {
    const id = rowIds[i]!;
    const lo = id >>> 0;
    const hi = Math.floor(id / 4294967296) >>> 0;
    const a = lowbias32(lo ^ lowbias32(hi ^ s0));
    k0[i] = a;
    k1[i] = lowbias32(hi ^ lowbias32(a ^ s1));
  }
}

/** The uniform word of (row key, resample key). Inlined by hand in hot loops; this is the reference. */
export function uniformWord(k0: number, k1: number, q: number): number {
  return (lowbias32(k0 ^ q) ^ k1) >>> 0;
}

/** Weight of one row in one resample: `poisson1(uniformWord(k0, k1, q))`. */
export function poissonWeight(k0: number, k1: number, q: number): number {
  return poisson1(uniformWord(k0, k1, q));
}

/**
 * Fill `out[i]` with the weight of row i (keys k0/k1) in the resample with key `q`. Returns the
 * total weight (callers need it, and summing here saves them a pass over `out`).
 */
export function fillWeights(k0: Uint32Array, k1: Uint32Array, n: number, q: number, out: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    let x = k0[i]! ^ q;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b);
    x ^= x >>> 16;
    const u = (x ^ k1[i]!) >>> 0;
    // Branch-free for weights 0..3 (u is random: a branch per threshold would mispredict); the
    // tail (P = 1.9%) takes the loop.
    const w = u < T3 ? +(u >= T0) + +(u >= T1) + +(u >= T2) : poisson1(u);
    out[i] = w;
    total += w;
  }
  return total;
}
