import { describe, expect, it } from 'vitest';
import { sigmoid } from '../../../stdlib/ops/sigmoid.ts';
import { checkParams, expectValues, f32, f64, inferErr, inferOk, run, ty } from './helpers.ts';

describe('sigmoid', () => {
  it('takes no params', () => {
    expect(checkParams(sigmoid, {}).ok).toBe(true);
    expect(checkParams(sigmoid, { slope: 2 }).ok).toBe(false);
  });
  it('infers the input type for any rank, refuses non-floats', () => {
    expect(inferOk(sigmoid, [ty('f32', ['batch'])])).toEqual(ty('f32', ['batch']));
    expect(inferOk(sigmoid, [ty('f64', [null, 2])])).toEqual(ty('f64', [null, 2]));
    expect(inferErr(sigmoid, [ty('i32', ['batch'])]).error).toBe('sigmoid needs a float tensor, got i32[batch]; cast it first: cast(x, to: "f32")');
    expect(inferErr(sigmoid, [ty('bool', ['batch'])]).arg).toBe(0);
  });
  it('computes the logistic function without overflow', () => {
    const out = run(sigmoid, [f64([7], [0, 2, -2, -30, -1000, 1000, NaN])]);
    expectValues(out.data as Float64Array, [0.5, 0.8807970779778823, 0.11920292202211755, 9.357622968839299e-14, 0, 1, NaN], 15);
    expectValues(run(sigmoid, [f64([2], [-Infinity, Infinity])]).data as Float64Array, [0, 1]);
  });
  it('keeps f32 width and handles an empty batch', () => {
    const out = run(sigmoid, [f32([1, 1], [0.3])]);
    expect(out.dtype).toBe('f32');
    expectValues(out.data as Float32Array, [0.5744425058364868]);
    expect(run(sigmoid, [f32([0], [])]).dims).toEqual([0]);
  });
});
