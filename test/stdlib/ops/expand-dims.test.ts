import { describe, expect, it } from 'vitest';
import { expandDims } from '../../../stdlib/ops/expand-dims.ts';
import { checkParams, i64, inferOk, run, str, ty, f32, expectValues } from './helpers.ts';

describe('expand_dims', () => {
  it('is called expand_dims and takes no params', () => {
    expect(expandDims.name).toBe('expand_dims');
    expect(checkParams(expandDims, {}).ok).toBe(true);
    expect(checkParams(expandDims, { axis: 1 }).ok).toBe(false);
  });
  it('appends a dim of 1 for any dtype and rank', () => {
    expect(inferOk(expandDims, [ty('f32', ['batch'])])).toEqual(ty('f32', ['batch', 1]));
    expect(inferOk(expandDims, [ty('str', [null, 'k'])])).toEqual(ty('str', [null, 'k', 1]));
  });
  it('copies the data under the new shape', () => {
    const out = run(expandDims, [f32([3], [1, NaN, 3])]);
    expect(out.dims).toEqual([3, 1]);
    expectValues(out.data as Float32Array, [1, NaN, 3]);
    expect(Array.from(run(expandDims, [i64([1], [2n ** 62n])]).data as BigInt64Array)).toEqual([2n ** 62n]);
    expect(run(expandDims, [str([2], ['a', 'b'])]).data).toEqual(['a', 'b']);
    expect(run(expandDims, [f32([0], [])]).dims).toEqual([0, 1]);
  });
});
