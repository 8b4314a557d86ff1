import { describe, expect, it } from 'vitest';
import { fillNan } from '../../../stdlib/ops/fill-nan.ts';
import { checkParams, expectValues, f32, f64, inferErr, inferOk, run, ty } from './helpers.ts';

describe('fill_nan', () => {
  it('is called fill_nan; value defaults to 0 and must be a number', () => {
    expect(fillNan.name).toBe('fill_nan');
    expect(checkParams(fillNan, {}).params).toEqual({ value: 0 });
    expect(checkParams(fillNan, { value: -1 }).ok).toBe(true);
    expect(checkParams(fillNan, { value: 'zero' }).ok).toBe(false);
    expect(checkParams(fillNan, { with: 1 }).ok).toBe(false);
  });
  it('keeps float types, refuses tensors that cannot hold NaN', () => {
    expect(inferOk(fillNan, [ty('f32', ['batch', 30])])).toEqual(ty('f32', ['batch', 30]));
    expect(inferErr(fillNan, [ty('i64', ['batch'])]).error).toContain('only f32 and f64 can hold NaN');
    expect(inferErr(fillNan, [ty('str', ['batch'])]).arg).toBe(0);
  });
  it('replaces NaN only, leaving infinities', () => {
    expectValues(run(fillNan, [f64([4], [NaN, 1, Infinity, -Infinity])], { value: -1 }).data as Float64Array, [-1, 1, Infinity, -Infinity]);
    expectValues(run(fillNan, [f64([2], [NaN, NaN])]).data as Float64Array, [0, 0]);
  });
  it('rounds the value to f32 for f32 tensors, handles an empty batch', () => {
    expectValues(run(fillNan, [f32([2], [NaN, 2])], { value: 0.1 }).data as Float32Array, [0.10000000149011612, 2]);
    expect(run(fillNan, [f32([0, 3], [])]).dims).toEqual([0, 3]);
  });
});
