import { describe, expect, it } from 'vitest';
import { KernelError } from '../../../stdlib/ops/kernel-error.ts';
import { squeeze } from '../../../stdlib/ops/squeeze.ts';
import { bool, checkParams, expectValues, f64, inferErr, inferOk, run, ty } from './helpers.ts';

describe('squeeze', () => {
  it('takes no params', () => {
    expect(checkParams(squeeze, {}).ok).toBe(true);
    expect(checkParams(squeeze, { axis: -1 }).ok).toBe(false);
  });
  it('drops a last dim of 1, or an unknown one', () => {
    expect(inferOk(squeeze, [ty('f32', ['batch', 1])])).toEqual(ty('f32', ['batch']));
    expect(inferOk(squeeze, [ty('i64', ['batch', 2, null])])).toEqual(ty('i64', ['batch', 2]));
  });
  it('refuses other last dims with a hint, and rank 1', () => {
    expect(inferErr(squeeze, [ty('f32', ['batch', 2])]).error).toBe(
      'squeeze needs a last dim of 1, got f32[batch, 2]; use column(x, index: 0) to pick one position',
    );
    expect(inferErr(squeeze, [ty('f32', ['batch', 'k'])]).arg).toBe(0);
    expect(inferErr(squeeze, [ty('f32', ['batch'])]).error).toContain('rank 2 or more');
  });
  it('copies the data under the shorter shape, and checks the run-time size', () => {
    const out = run(squeeze, [f64([2, 1], [NaN, 4])]);
    expect(out.dims).toEqual([2]);
    expectValues(out.data as Float64Array, [NaN, 4]);
    expect(Array.from(run(squeeze, [bool([1, 1], [1])]).data as Uint8Array)).toEqual([1]);
    expect(run(squeeze, [f64([0, 1], [])]).dims).toEqual([0]);
    expect(() => run(squeeze, [f64([1, 2], [1, 2])])).toThrow(KernelError);
  });
});
