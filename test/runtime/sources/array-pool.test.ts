import { describe, expect, it } from 'vitest';
import { ArrayPool } from '../../../runtime/sources/array-pool.ts';

describe('ArrayPool', () => {
  it('hands out exact lengths, and after reclaim() the same memory again (a view when the pooled array is larger)', () => {
    const pool = new ArrayPool();
    const a = pool.take(Float32Array, 100);
    const b = pool.take(Int32Array, 10);
    expect([a.length, b.length]).toEqual([100, 10]);
    // Nothing is free until reclaimed: a second take is new memory.
    expect(pool.take(Float32Array, 100).buffer).not.toBe(a.buffer);
    pool.reclaim();
    const c = pool.take(Float32Array, 60);
    expect(c.length).toBe(60);
    expect([a.buffer, pool.take(Float32Array, 100).buffer]).toContain(c.buffer);
    // A longer request than any free array gets a new one; types never mix.
    expect(pool.take(Int32Array, 11).buffer).not.toBe(b.buffer);
    expect(pool.take(Uint8Array, 10).buffer).not.toBe(b.buffer);
  });

  it('give() frees one array, by the view taken; the others stay lent', () => {
    const pool = new ArrayPool();
    const a = pool.take(Uint8Array, 50);
    const b = pool.take(Uint8Array, 50);
    pool.give(a.subarray(0, 50));
    const c = pool.take(Uint8Array, 40);
    expect(c.buffer).toBe(a.buffer);
    expect(pool.take(Uint8Array, 40).buffer).not.toBe(b.buffer);
  });

  it('picks the smallest free array that fits', () => {
    const pool = new ArrayPool();
    const big = pool.take(Float64Array, 1000);
    const small = pool.take(Float64Array, 20);
    pool.reclaim();
    expect(pool.take(Float64Array, 15).buffer).toBe(small.buffer);
    expect(pool.take(Float64Array, 15).buffer).toBe(big.buffer);
  });
});
