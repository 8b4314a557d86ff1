import { describe, expect, it } from 'vitest';
import { standardize } from '../../../stdlib/ops/standardize.ts';
import { KernelError } from '../../../stdlib/ops/kernel-error.ts';
import { checkParams, expectValues, f32, f64, fakeCtx, inferErr, inferOk, run, ty } from './helpers.ts';

describe('standardize params', () => {
  it('defaults to mean 0, std 1', () => {
    expect(checkParams(standardize, {}).params).toEqual({ mean: 0, std: 1, axis: -1 });
  });
  it('accepts numbers and per-feature lists', () => {
    expect(checkParams(standardize, { mean: 0.5, std: 2 }).ok).toBe(true);
    expect(checkParams(standardize, { mean: [1, 2], std: [0.5, 3] }).ok).toBe(true);
    expect(checkParams(standardize, { mean: [1, 2], std: 2 }).ok).toBe(true);
  });
  it('rejects a std that is not positive, non-numbers, empty lists and unknown params', () => {
    expect(checkParams(standardize, { std: 0 }).ok).toBe(false);
    expect(checkParams(standardize, { std: -1 }).ok).toBe(false);
    expect(checkParams(standardize, { std: [1, 0] }).ok).toBe(false);
    expect(checkParams(standardize, { mean: 'a' }).ok).toBe(false);
    expect(checkParams(standardize, { mean: [] }).ok).toBe(false);
    expect(checkParams(standardize, { mean: [1, 'x'] }).ok).toBe(false);
    expect(checkParams(standardize, { scale: 1 }).ok).toBe(false);
  });
});

describe('standardize infer', () => {
  it('keeps the type with scalar params, any rank', () => {
    expect(inferOk(standardize, [ty('f32', ['batch', 30])], { mean: 0, std: 1 })).toEqual(ty('f32', ['batch', 30]));
    expect(inferOk(standardize, [ty('f64', ['batch'])], { mean: 1 })).toEqual(ty('f64', ['batch']));
  });
  it('checks list length against a known last dim', () => {
    expect(inferOk(standardize, [ty('f32', ['batch', 3])], { mean: [1, 2, 3] })).toEqual(ty('f32', ['batch', 3]));
    const e = inferErr(standardize, [ty('f32', ['batch', 3])], { mean: [1, 2] });
    expect(e.param).toBe('mean');
    expect(e.error).toContain('2 values for mean');
    expect(e.error).toContain('3 features');
  });
  it('fixes a symbolic or unknown last dim to the list length through the context', () => {
    const ctx = fakeCtx();
    expect(inferOk(standardize, [ty('f32', ['batch', 'k'])], { std: [1, 2] }, ctx)).toEqual(ty('f32', ['batch', 2]));
    expect(ctx.calls).toEqual([{ a: 'k', b: 2, argA: 0, argB: 0 }]);
    expect(inferOk(standardize, [ty('f64', [null, null])], { mean: [1, 2, 3] })).toEqual(ty('f64', [null, 3]));
  });
  it('rejects mean and std lists of different lengths', () => {
    const e = inferErr(standardize, [ty('f32', ['batch', null])], { mean: [1, 2], std: [1, 2, 3] });
    expect(e.param).toBe('std');
  });
  it('needs a feature axis for a list', () => {
    const e = inferErr(standardize, [ty('f32', ['batch'])], { mean: [1] });
    expect(e.param).toBe('mean');
    expect(e.error).toContain('rank 2');
  });
  it('refuses non-float tensors with a cast hint', () => {
    const e = inferErr(standardize, [ty('i64', ['batch', 3])]);
    expect(e).toEqual({
      error: 'standardize needs a float tensor, got i64[batch, 3]; cast it first: cast(x, to: "f32")',
      arg: 0,
    });
    expect(inferErr(standardize, [ty('str', ['batch'])]).error).toContain('strings cannot be cast');
  });
});

describe('standardize kernel', () => {
  it('computes (x - mean) / std with scalars (f64)', () => {
    const out = run(standardize, [f64([2, 2], [1, 2, 3, NaN])], { mean: 2, std: 0.5 });
    expect(out.dtype).toBe('f64');
    expect(out.dims).toEqual([2, 2]);
    expectValues(out.data as Float64Array, [-2, 0, 2, NaN]);
  });
  it('applies per-feature lists along the last axis', () => {
    const out = run(standardize, [f64([2, 2], [1, 10, 3, 20])], { mean: [2, 10], std: [0.5, 5] });
    expectValues(out.data as Float64Array, [-2, 0, 2, 2]);
    const mixed = run(standardize, [f64([2, 2], [1, 10, 3, 20])], { mean: [2, 10], std: 2 });
    expectValues(mixed.data as Float64Array, [-0.5, 0, 0.5, 5]);
  });
  it('rounds each step to f32 like numpy on float32 data', () => {
    // numpy: (np.float32([0.1, 0.7, -1.3]) - np.float32(0.3)) / np.float32(0.2)
    const out = run(standardize, [f32([3, 1], [0.1, 0.7, -1.3])], { mean: 0.3, std: 0.2 });
    expect(out.dtype).toBe('f32');
    expectValues(out.data as Float32Array, [-1.0000001192092896, 1.9999998807907104, -7.999999523162842]);
    const perFeature = run(standardize, [f32([3, 1], [0.1, 0.7, -1.3])], { mean: [0.3], std: [0.2] });
    expectValues(perFeature.data as Float32Array, [-1.0000001192092896, 1.9999998807907104, -7.999999523162842]);
  });
  it('handles an empty batch and a single row', () => {
    const empty = run(standardize, [f32([0, 2], [])], { mean: [1, 2] });
    expect(empty.dims).toEqual([0, 2]);
    expect(empty.data.length).toBe(0);
    expectValues(run(standardize, [f64([1, 2], [4, 6])], { mean: [1, 2], std: [3, 2] }).data as Float64Array, [1, 2]);
  });
  it('reports a list that does not match the concrete last dim', () => {
    expect(() => run(standardize, [f64([1, 3], [1, 2, 3])], { mean: [1, 2] })).toThrow(KernelError);
  });
});
