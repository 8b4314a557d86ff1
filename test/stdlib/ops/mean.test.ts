import { describe, expect, it } from 'vitest';
import { KernelError } from '../../../stdlib/ops/kernel-error.ts';
import { mean } from '../../../stdlib/ops/mean.ts';
import { checkParams, expectValues, f32, f64, fakeCtx, inferErr, inferOk, run, ty } from './helpers.ts';

describe('mean params', () => {
  it('takes none', () => {
    expect(checkParams(mean, {}).ok).toBe(true);
    expect(checkParams(mean, { weights: [1, 2] }).ok).toBe(false);
  });
});

describe('mean infer', () => {
  it('averages same-shaped float tensors, unifying symbolic dims', () => {
    const ctx = fakeCtx();
    expect(inferOk(mean, [ty('f32', ['batch']), ty('f32', ['batch']), ty('f32', [null])], {}, ctx)).toEqual(ty('f32', ['batch']));
    expect(ctx.calls).toEqual([
      { a: 'batch', b: 'batch', argA: 0, argB: 1 },
      { a: 'batch', b: null, argA: 0, argB: 2 },
    ]);
  });
  it('broadcasts [batch, 2] with [batch, 1], and f32 with f64 gives f64', () => {
    expect(inferOk(mean, [ty('f32', ['batch', 2]), ty('f64', ['batch', 1])])).toEqual(ty('f64', ['batch', 2]));
    expect(inferOk(mean, [ty('f32', ['batch', 1]), ty('f32', ['batch', 'k'])])).toEqual(ty('f32', ['batch', 'k']));
  });
  it('refuses integers, different ranks and incompatible fixed sizes', () => {
    const e = inferErr(mean, [ty('f32', ['batch']), ty('i64', ['batch'])]);
    expect(e).toEqual({
      error: 'mean needs float tensors, got i64[batch] for argument 2; cast it first: cast(x, to: "f32")',
      arg: 1,
    });
    const rank = inferErr(mean, [ty('f32', ['batch']), ty('f32', ['batch', 2])]);
    expect(rank.arg).toBe(1);
    expect(rank.error).toContain('expand_dims(x) turns f32[batch] into f32[batch, 1]');
    expect(inferErr(mean, [ty('f32', ['batch', 2]), ty('f32', ['batch', 3])]).error).toBe(
      'mean cannot broadcast f32[batch, 2] with f32[batch, 3]: axis 1 is 2 against 3; sizes must be equal or 1',
    );
  });
});

describe('mean kernel', () => {
  it('averages elementwise, NaN propagates', () => {
    const out = run(mean, [f64([3], [1, 2, NaN]), f64([3], [3, -2, 1])]);
    expectValues(out.data as Float64Array, [2, 0, NaN]);
  });
  it('matches numpy f32 (a + b) / 2 for two f32 tensors', () => {
    const out = run(mean, [f32([2], [0.1, 0.2]), f32([2], [0.7, 0.4])]);
    expect(out.dtype).toBe('f32');
    expectValues(out.data as Float32Array, [0.4000000059604645, 0.30000001192092896]);
  });
  it('averages three f64 tensors and widens a mixed f32/f64 pair', () => {
    expectValues(run(mean, [f64([1], [0.1]), f64([1], [0.2]), f64([1], [0.4])]).data as Float64Array, [0.23333333333333336], 15);
    const mixed = run(mean, [f32([1], [0.5]), f64([1], [0.25])]);
    expect(mixed.dtype).toBe('f64');
    expectValues(mixed.data as Float64Array, [0.375]);
  });
  it('broadcasts a [rows, 1] column and a [1, n] row', () => {
    const out = run(mean, [f64([2, 2], [1, 2, 3, 4]), f64([2, 1], [10, 20])]);
    expect(out.dims).toEqual([2, 2]);
    expectValues(out.data as Float64Array, [5.5, 6, 11.5, 12]);
    const row = run(mean, [f64([2, 2], [1, 2, 3, 4]), f64([1, 2], [1, -2])]);
    expectValues(row.data as Float64Array, [1, 0, 2, 1]);
  });
  it('handles an empty batch and reports incompatible run-time shapes', () => {
    expect(run(mean, [f32([0, 2], []), f32([0, 1], [])]).dims).toEqual([0, 2]);
    expect(() => run(mean, [f32([2], [1, 2]), f32([3], [1, 2, 3])])).toThrow(KernelError);
  });
});
