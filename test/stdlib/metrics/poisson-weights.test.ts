import { describe, expect, it } from 'vitest';
import {
  fillRowKeys,
  fillWeights,
  lowbias32,
  poisson1,
  poissonWeight,
  POISSON1_THRESHOLDS,
  resampleKeys,
  seedWords,
  uniformWord,
} from '../../../stdlib/metrics/poisson-weights.ts';

/** P(X ≤ k) for X ~ Poisson(1), summed in float64 (accurate to ~1e-16, enough to check the table). */
function poissonCdf(k: number): number {
  let term = Math.exp(-1),
    sum = term;
  for (let i = 1; i <= k; i++) {
    term /= i;
    sum += term;
  }
  return sum;
}

describe('Poisson(1) thresholds', () => {
  it('are floor(P(X ≤ k) · 2^32), ending at 2^32', () => {
    const T = POISSON1_THRESHOLDS;
    expect(T[T.length - 1]).toBe(2 ** 32);
    for (let k = 0; k < T.length - 1; k++) {
      expect(Math.abs(T[k]! - poissonCdf(k) * 2 ** 32), `k=${k}`).toBeLessThanOrEqual(1);
    }
  });

  it('map uniform words to the inverse CDF', () => {
    expect(poisson1(0)).toBe(0);
    expect(poisson1(POISSON1_THRESHOLDS[0]! - 1)).toBe(0);
    expect(poisson1(POISSON1_THRESHOLDS[0]!)).toBe(1);
    expect(poisson1(POISSON1_THRESHOLDS[5]!)).toBe(6);
    expect(poisson1(2 ** 32 - 1)).toBe(13);
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

  it('depend only on (seed, row id, resample): any order, any batch', () => {
    const perm = Float64Array.from(ids).reverse();
    const p0 = new Uint32Array(n),
      p1 = new Uint32Array(n);
    fillRowKeys(7, perm, n, p0, p1);
    for (const i of [0, 1, 17, 9999, n - 1]) {
      const j = n - 1 - i;
      expect(poissonWeight(p0[j]!, p1[j]!, q[3]!)).toBe(poissonWeight(k0[i]!, k1[i]!, q[3]!));
    }
    const w = new Uint8Array(n);
    fillWeights(k0, k1, n, q[3]!, w);
    for (let i = 0; i < 100; i++) expect(w[i]).toBe(poisson1(uniformWord(k0[i]!, k1[i]!, q[3]!)));
  });

  it('have the moments of Poisson(1) and are uncorrelated across rows and resamples', () => {
    let s = 0,
      s2 = 0,
      cross = 0,
      crossRows = 0,
      zeros = 0;
    const w = new Uint8Array(n),
      prev = new Uint8Array(n);
    for (let r = 0; r < B; r++) {
      fillWeights(k0, k1, n, q[r]!, w);
      for (let i = 0; i < n; i++) {
        s += w[i]!;
        s2 += w[i]! * w[i]!;
        if (w[i] === 0) zeros++;
        if (r > 0) cross += (w[i]! - 1) * (prev[i]! - 1);
        if (i > 0) crossRows += (w[i]! - 1) * (w[i - 1]! - 1);
      }
      prev.set(w);
    }
    const N = n * B;
    const mean = s / N,
      variance = s2 / N - mean * mean;
    // Standard errors at N = 1e6 draws: mean 0.001, variance ~0.002, P(0) ~0.0005, correlation 0.001.
    expect(Math.abs(mean - 1)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
    expect(Math.abs(zeros / N - Math.exp(-1))).toBeLessThan(0.003);
    expect(Math.abs(cross / (n * (B - 1)))).toBeLessThan(0.006);
    expect(Math.abs(crossRows / ((n - 1) * B))).toBeLessThan(0.006);
  });

  it('use distinct row keys for distinct row ids and distinct resample keys', () => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add(`${k0[i]},${k1[i]}`);
    expect(seen.size).toBe(n);
    expect(new Set(resampleKeys(7, 5000)).size).toBe(5000);
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
