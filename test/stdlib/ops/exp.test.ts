import { describe, expect, it } from 'vitest';
import { exp } from '../../../stdlib/ops/exp.ts';
import { checkParams, expectValues, f32, f64, inferErr, inferOk, run, ty } from './helpers.ts';

describe('exp', () => {
  it('takes no params', () => {
    expect(checkParams(exp, {}).ok).toBe(true);
    expect(checkParams(exp, { x: 1 }).ok).toBe(false);
  });
  it('infers the float input type, refuses integers', () => {
    expect(inferOk(exp, [ty('f32', ['batch', 'k'])])).toEqual(ty('f32', ['batch', 'k']));
    expect(inferErr(exp, [ty('i32', ['batch'])]).arg).toBe(0);
  });
  it('computes e^x with NaN and infinities as numpy', () => {
    expectValues(run(exp, [f64([5], [0, 1, -Infinity, Infinity, NaN])]).data as Float64Array, [1, 2.718281828459045, 0, Infinity, NaN]);
  });
  it('rounds to f32 and overflows to inf past f32 range', () => {
    // e = 2.71828182...: the nearest f32 is 2.7182817459106445 (numpy's f32 exp returns the
    // neighbour above, 2.7182819843292236; computing in f64 and rounding once is exact here).
    expectValues(run(exp, [f32([2], [1, 89])]).data as Float32Array, [2.7182817459106445, Infinity]);
    expect(run(exp, [f64([0, 1], [])]).dims).toEqual([0, 1]);
  });
});
