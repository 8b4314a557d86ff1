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
 * - resamples go in pairs: resample r (0-based) is half `r & 1` of pair `j = r >> 1`, whose key is
 *   `q_j = L(L(j ^ s1) + s0)`;
 * - word: `x = L(k0 ^ q_j) ^ k1` — one mixing round per (row, pair of resamples), the inner loop of
 *   the bootstrap (a second round cost ~40% more time in a micro-benchmark; with one, the weights
 *   still pass the moment and correlation tests of poisson-weights.test.ts; `k1` keeps rows whose
 *   `k0` collide apart);
 * - uniform: `u = x & 0xffff` for the even resample of the pair, `x >>> 16` for the odd one — one
 *   word serves two resamples, and the SIMD kernel compares eight 16-bit lanes at once
 *   (wasm/bootstrap-walk.wat): half the draws, and half the compares, of one word per resample;
 * - weight: the number of {@link POISSON1_THRESHOLDS16} that `u` is at or above.
 *
 * The 16-bit thresholds make the weights' distribution Poisson(1) quantized to 2^-16: its mean and
 * variance are exactly 1 (as Poisson(1)'s), its third central moment 1 + 3.1e-5 (Poisson: 1), its
 * total variation distance from Poisson(1) 3.7e-5, and the weight is capped at 8 (P(X > 8) = 1.1e-6
 * for Poisson(1)). Why that is negligible for the intervals: docs/metrics.md, "The weights".
 * (Until 2026-12-05 each resample took a whole 32-bit word, against thresholds floor(P(X ≤ k) · 2^32).)
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
 * The weight of a 16-bit uniform u is the number of these it is at or above (so at most 8). Chosen,
 * among the integers within 2 of `P(X ≤ k) · 2^16` for X ~ Poisson(1), as those of smallest total
 * variation distance from Poisson(1) whose mean and variance are exactly 1 (the counts of u per
 * weight 0..8 are 24109, 24110, 12055, 4017, 1005, 201, 34, 4, 1 out of 65,536;
 * poisson-weights.test.ts checks the moments and the distance). scripts/gen-bootstrap-walk.mjs
 * writes the same table into the SIMD kernel (a test keeps them equal).
 */
export const POISSON1_THRESHOLDS16: readonly number[] = [24109, 48219, 60274, 64291, 65296, 65497, 65531, 65535];

const T0 = 24109,
  T1 = 48219,
  T2 = 60274,
  T3 = 64291;

/** Poisson(1) variate (quantized to 2^-16) from a 16-bit uniform. */
export function poisson1(u: number): number {
  if (u < T0) return 0;
  if (u < T1) return 1;
  if (u < T2) return 2;
  if (u < T3) return 3;
  let k = 4;
  while (k < 8 && u >= POISSON1_THRESHOLDS16[k]!) k++;
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

/**
 * Keys of the resample pairs that cover resamples 0..count-1 (0-based): pair j serves resamples 2j
 * and 2j + 1.
 */
export function resampleKeys(seed: number, count: number): Uint32Array {
  const [s0, s1] = seedWords(seed);
  const out = new Uint32Array(Math.ceil(count / 2));
  for (let j = 0; j < out.length; j++) out[j] = lowbias32((lowbias32(j ^ s1) + s0) >>> 0);
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

/**
 * The 16-bit uniform of (row key, resample r), from the pair keys `keys` ({@link resampleKeys}).
 * Inlined by hand in hot loops; this is the reference.
 */
export function uniform16(k0: number, k1: number, keys: Uint32Array, r: number): number {
  const x = (lowbias32(k0 ^ keys[r >> 1]!) ^ k1) >>> 0;
  return r & 1 ? x >>> 16 : x & 0xffff;
}

/** Weight of one row in resample r: `poisson1(uniform16(k0, k1, keys, r))`. */
export function poissonWeight(k0: number, k1: number, keys: Uint32Array, r: number): number {
  return poisson1(uniform16(k0, k1, keys, r));
}

/**
 * Fill `out[i]` with the weight of row i (keys k0/k1) in resample r (pair keys `keys`). Returns the
 * total weight (callers need it, and summing here saves them a pass over `out`).
 */
export function fillWeights(k0: Uint32Array, k1: Uint32Array, n: number, keys: Uint32Array, r: number, out: Uint8Array): number {
  const q = keys[r >> 1]!,
    shift = (r & 1) << 4;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let x = k0[i]! ^ q;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b);
    x ^= x >>> 16;
    const u = ((x ^ k1[i]!) >>> shift) & 0xffff;
    // Branch-free for weights 0..3 (u is random: a branch per threshold would mispredict); the
    // tail (P = 1.9%) takes the loop.
    const w = u < T3 ? +(u >= T0) + +(u >= T1) + +(u >= T2) : poisson1(u);
    out[i] = w;
    total += w;
  }
  return total;
}
