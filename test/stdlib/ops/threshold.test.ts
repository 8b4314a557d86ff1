import { describe, expect, it } from 'vitest';
import { threshold } from '../../../stdlib/ops/threshold.ts';
import { checkParams, f32, f64, i32, i64, inferErr, inferOk, run, ty } from './helpers.ts';

const values = (t: { data: unknown }) => Array.from(t.data as BigInt64Array);

describe('threshold params', () => {
  it('defaults at to 0.5', () => {
    expect(checkParams(threshold, {}).params).toEqual({ at: 0.5 });
    expect(checkParams(threshold, { at: 0.9 }).ok).toBe(true);
    expect(checkParams(threshold, { at: '0.5' }).ok).toBe(false);
    expect(checkParams(threshold, { above: 1 }).ok).toBe(false);
  });
});

describe('threshold infer', () => {
  it('gives i64 of the same shape for numeric inputs', () => {
    expect(inferOk(threshold, [ty('f32', ['batch'])])).toEqual(ty('i64', ['batch']));
    expect(inferOk(threshold, [ty('i64', [null, 2])], { at: 3 })).toEqual(ty('i64', [null, 2]));
  });
  it('refuses bool and str', () => {
    expect(inferErr(threshold, [ty('bool', ['batch'])]).error).toContain('cast(x, to: "i64")');
    expect(inferErr(threshold, [ty('str', ['batch'])]).arg).toBe(0);
  });
});

describe('threshold kernel', () => {
  it('is 1 where x >= at (equality included), NaN gives 0', () => {
    const out = run(threshold, [f64([6], [0.49, 0.5, 0.51, NaN, -Infinity, Infinity])]);
    expect(out.dtype).toBe('i64');
    expect(values(out)).toEqual([0n, 1n, 1n, 0n, 0n, 1n]);
  });
  it('compares f32 scores with at rounded to f32, as numpy', () => {
    // np.float32(0.7) = 0.699999988 < 0.7, yet numpy's float32_array >= 0.7 is True for it.
    expect(values(run(threshold, [f32([2], [0.7, 0.69999])], { at: 0.7 }))).toEqual([1n, 0n]);
    expect(values(run(threshold, [f64([1], [Math.fround(0.7)])], { at: 0.7 }))).toEqual([0n]);
  });
  it('compares i64 exactly (beyond 2^53) and i32 against fractional thresholds', () => {
    expect(values(run(threshold, [i64([3], [2n ** 60n, 2n ** 60n - 1n, -1])], { at: 2 ** 60 }))).toEqual([1n, 0n, 0n]);
    expect(values(run(threshold, [i64([3], [1, 2, 3])], { at: 1.5 }))).toEqual([0n, 1n, 1n]);
    expect(values(run(threshold, [i32([3], [-2, -1, 0])], { at: -1.5 }))).toEqual([0n, 1n, 1n]);
  });
  it('handles rank 2 and an empty batch', () => {
    const out = run(threshold, [f32([2, 2], [0.1, 0.9, 0.5, 0.4])]);
    expect(out.dims).toEqual([2, 2]);
    expect(values(out)).toEqual([0n, 1n, 1n, 0n]);
    expect(run(threshold, [f32([0], [])]).dims).toEqual([0]);
  });
});
