import { describe, expect, it } from 'vitest';
import {
  fillRowKeys,
  fillWeights,
  lowbias32,
  poisson1,
  poissonWeight,
  POISSON1_THRESHOLDS16,
  resampleKeys,
  seedWords,
  uniform16,
} from '../../../stdlib/metrics/poisson-weights.ts';

/** P(X = k) for X ~ Poisson(1), k = 0..19 (the rest, < 1e-18, does not matter here). */
const POISSON1_PMF = Array.from({ length: 20 }, (_, k) => {
  let p = Math.exp(-1);
  for (let i = 1; i <= k; i++) p /= i;
  return p;
});

/** How many of the 65,536 16-bit uniforms get each weight 0..8. */
function weightCounts(): number[] {
  const counts = new Array<number>(9).fill(0);
  for (let u = 0; u < 65536; u++) counts[poisson1(u)]!++;
  return counts;
}

describe('Poisson(1) weights from 16-bit uniforms', () => {
  it('are the inverse CDF of Poisson(1) to within 2^-16, with its mean and variance exactly', () => {
    const T = POISSON1_THRESHOLDS16;
    let cdf = 0;
    for (let k = 0; k < T.length; k++) {
      cdf += POISSON1_PMF[k]!;
      expect(Math.abs(T[k]! - cdf * 65536), `k=${k}`).toBeLessThanOrEqual(2);
      if (k > 0) expect(T[k]).toBeGreaterThan(T[k - 1]!);
    }
    const counts = weightCounts();
    expect(counts).toEqual([24109, 24110, 12055, 4017, 1005, 201, 34, 4, 1]);
    // Σ k·c_k = 65,536 and Σ k²·c_k = 2 · 65,536: mean 1 and variance 1, exactly (integers).
    expect(counts.reduce((a, c, k) => a + k * c, 0)).toBe(65536);
    expect(counts.reduce((a, c, k) => a + k * k * c, 0)).toBe(2 * 65536);
    // Third central moment Σ (k − 1)³ c_k / 2^16: Poisson(1)'s is 1.
    expect(counts.reduce((a, c, k) => a + (k - 1) ** 3 * c, 0) / 65536 - 1).toBeCloseTo(3.05e-5, 6);
    // Total variation distance from Poisson(1) (the mass above 8, 1.1e-6, included).
    const tv = POISSON1_PMF.reduce((a, p, k) => a + Math.abs((counts[k] ?? 0) / 65536 - p), 0) / 2;
    expect(tv).toBeGreaterThan(3.6e-5);
    expect(tv).toBeLessThan(3.8e-5);
  });

  it('map uniforms to weights at the thresholds', () => {
    expect(poisson1(0)).toBe(0);
    expect(poisson1(POISSON1_THRESHOLDS16[0]! - 1)).toBe(0);
    expect(poisson1(POISSON1_THRESHOLDS16[0]!)).toBe(1);
    expect(poisson1(POISSON1_THRESHOLDS16[5]! - 1)).toBe(5);
    expect(poisson1(POISSON1_THRESHOLDS16[5]!)).toBe(6);
    expect(poisson1(65534)).toBe(7);
    expect(poisson1(65535)).toBe(8);
  });
});

describe('counter-based weights', () => {
  const n = 20000,
    B = 50;
  const ids = Float64Array.from({ length: n }, (_, i) => i);
  const k0 = new Uint32Array(n),
    k1 = new Uint32Array(n);
  fillRowKeys(7, ids, n, k0, k1);
  const q = resampleKeys(7, B);

  it('take one key per pair of resamples, and a half of its word each', () => {
    expect(q.length).toBe(B / 2);
    expect(resampleKeys(7, 5)).toEqual(resampleKeys(7, 6));
    expect(resampleKeys(7, 5).length).toBe(3);
    const x = (lowbias32(k0[3]! ^ q[2]!) ^ k1[3]!) >>> 0;
    expect(uniform16(k0[3]!, k1[3]!, q, 4)).toBe(x & 0xffff);
    expect(uniform16(k0[3]!, k1[3]!, q, 5)).toBe(x >>> 16);
  });

  it('depend only on (seed, row id, resample): any order, any batch', () => {
    const perm = Float64Array.from(ids).reverse();
    const p0 = new Uint32Array(n),
      p1 = new Uint32Array(n);
    fillRowKeys(7, perm, n, p0, p1);
    for (const i of [0, 1, 17, 9999, n - 1]) {
      const j = n - 1 - i;
      for (const r of [3, 4]) expect(poissonWeight(p0[j]!, p1[j]!, q, r)).toBe(poissonWeight(k0[i]!, k1[i]!, q, r));
    }
    const w = new Uint8Array(n);
    for (const r of [2, 3]) {
      const total = fillWeights(k0, k1, n, q, r, w);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        expect(w[i]).toBe(poisson1(uniform16(k0[i]!, k1[i]!, q, r)));
        sum += w[i]!;
      }
      expect(total).toBe(sum);
    }
  });

  it('have the moments of Poisson(1) and are uncorrelated across rows, resamples and the two halves of a word', () => {
    let s = 0,
      s2 = 0,
      cross = 0,
      crossPair = 0,
      crossRows = 0,
      zeros = 0;
    const w = new Uint8Array(n),
      prev = new Uint8Array(n);
    for (let r = 0; r < B; r++) {
      fillWeights(k0, k1, n, q, r, w);
      for (let i = 0; i < n; i++) {
        s += w[i]!;
        s2 += w[i]! * w[i]!;
        if (w[i] === 0) zeros++;
        if (r > 0) cross += (w[i]! - 1) * (prev[i]! - 1);
        // Resamples 2j and 2j + 1 share a word: its two halves.
        if (r % 2 === 1) crossPair += (w[i]! - 1) * (prev[i]! - 1);
        if (i > 0) crossRows += (w[i]! - 1) * (w[i - 1]! - 1);
      }
      prev.set(w);
    }
    const N = n * B;
    const mean = s / N,
      variance = s2 / N - mean * mean;
    // Standard errors at N = 1e6 draws: mean 0.001, variance ~0.002, P(0) ~0.0005, correlation 0.001
    // (0.0014 for the halves: half the pairs).
    expect(Math.abs(mean - 1)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
    expect(Math.abs(zeros / N - Math.exp(-1))).toBeLessThan(0.003);
    expect(Math.abs(cross / (n * (B - 1)))).toBeLessThan(0.006);
    expect(Math.abs(crossPair / ((n * B) / 2))).toBeLessThan(0.008);
    expect(Math.abs(crossRows / ((n - 1) * B))).toBeLessThan(0.006);
  });

  it('use distinct row keys for distinct row ids and distinct resample keys', () => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add(`${k0[i]},${k1[i]}`);
    expect(seen.size).toBe(n);
    expect(new Set(resampleKeys(7, 10000)).size).toBe(5000);
    // Large ids (above 2^32) and seeds (negative, above 2^32) are keyed by every bit.
    const big = Float64Array.of(2 ** 40 + 5, 2 ** 40 + 5 + 2 ** 32, 2 ** 52 + 1);
    const b0 = new Uint32Array(3),
      b1 = new Uint32Array(3);
    fillRowKeys(7, big, 3, b0, b1);
    expect(new Set([...b0].map((x, i) => `${x},${b1[i]}`)).size).toBe(3);
    expect(seedWords(-1)).not.toEqual(seedWords(2 ** 32 - 1));
    expect(seedWords(5)).not.toEqual(seedWords(5 + 2 ** 32));
  });

  it('lowbias32 is a bijection on a sample', () => {
    const outs = new Set<number>();
    for (let i = 0; i < 100000; i++) outs.add(lowbias32(i * 2654435761));
    expect(outs.size).toBe(100000);
  });
});
