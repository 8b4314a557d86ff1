import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pairedQuantiles, pooledQuantile } from '../../bench/support/paired-latency.ts';
import { SeededRandom } from '../../tools/seeded-random.ts';

/** bench/serve.ts's definition on the pooled, sorted values (weights repeat a slice). */
function naive(slices: Float64Array[], q: number, weights?: number[]): number {
  const pool: number[] = [];
  slices.forEach((s, i) => {
    for (let k = 0; k < (weights?.[i] ?? 1); k++) pool.push(...s);
  });
  if (pool.length === 0) return NaN;
  pool.sort((a, b) => a - b);
  return pool[Math.min(pool.length - 1, Math.max(1, Math.ceil(q * pool.length)) - 1)]!;
}

const sorted = (xs: number[]): Float64Array => Float64Array.from(xs).sort();

describe('pooledQuantile', () => {
  it('is the pooled order statistic, with weights and ties', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.integer({ min: 1, max: 40 }).map((k) => k / 8),
            { maxLength: 12 },
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
        fc.constantFrom(0.01, 0.5, 0.9, 0.99, 0.999),
        (raw, weights, q) => {
          const slices = raw.map(sorted);
          const w = weights.slice(0, slices.length);
          expect(Object.is(pooledQuantile(slices, q, w), naive(slices, q, w))).toBe(true);
          expect(Object.is(pooledQuantile(slices, q), naive(slices, q))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is NaN when nothing is pooled', () => {
    expect(pooledQuantile([], 0.99)).toBeNaN();
    expect(pooledQuantile([sorted([1, 2])], 0.99, [0])).toBeNaN();
  });
});

describe('pairedQuantiles', () => {
  // Latencies from a seeded generator: log-normal-ish values, a stall every so often that hits a run of requests.
  function slices(seed: number, n: number, scale: number): Float64Array[] {
    const random = new SeededRandom(seed);
    const rand = (): number => random.next();
    return Array.from({ length: n }, () => {
      const xs: number[] = [];
      let stall = 0;
      for (let k = 0; k < 500; k++) {
        if (stall === 0 && rand() < 0.002) stall = 20;
        xs.push(scale * (0.3 + rand() * 0.2 + (stall > 0 ? 2 + rand() : 0)));
        if (stall > 0) stall--;
      }
      return sorted(xs);
    });
  }

  it('covers the true ratio of two scaled copies and excludes 1 when the difference is large', () => {
    const a = slices(1, 40, 1);
    const b = slices(2, 40, 1.5);
    const [p99] = pairedQuantiles(
      a.map((s, i) => ({ a: s, b: b[i]! })),
      [0.99],
      { resamples: 400, seed: 3 },
    );
    expect(p99!.ratio.low).toBeLessThanOrEqual(p99!.ratio.value);
    expect(p99!.ratio.high).toBeGreaterThanOrEqual(p99!.ratio.value);
    expect(p99!.ratio.low).toBeGreaterThan(1.1);
    expect(p99!.shareOver).toBeGreaterThan(0.9);
    expect(p99!.a.value).toBe(pooledQuantile(a, 0.99));
  });

  it('is reproducible from its seed', () => {
    const a = slices(5, 10, 1);
    const b = slices(6, 10, 1);
    const pairs = a.map((s, i) => ({ a: s, b: b[i]! }));
    expect(pairedQuantiles(pairs, [0.5, 0.99], { resamples: 100, seed: 9 })).toEqual(
      pairedQuantiles(pairs, [0.5, 0.99], { resamples: 100, seed: 9 }),
    );
  });
});
