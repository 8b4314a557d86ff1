import { describe, expect, it } from 'vitest';
import { column } from '../../../stdlib/ops/column.ts';
import { KernelError } from '../../../stdlib/ops/kernel-error.ts';
import { bool, checkParams, expectValues, f32, i64, inferErr, inferOk, run, str, ty } from './helpers.ts';

describe('column params', () => {
  it('needs an integer index', () => {
    expect(checkParams(column, { index: 1 }).ok).toBe(true);
    expect(checkParams(column, { index: -1 }).ok).toBe(true);
    expect(checkParams(column, {}).ok).toBe(false);
    expect(checkParams(column, { index: 1.5 }).ok).toBe(false);
    expect(checkParams(column, { index: '1' }).ok).toBe(false);
    expect(checkParams(column, { index: 1, axis: 0 }).ok).toBe(false);
  });
});

describe('column infer', () => {
  it('drops the last dim and keeps the dtype', () => {
    expect(inferOk(column, [ty('f32', ['batch', 2])], { index: 1 })).toEqual(ty('f32', ['batch']));
    expect(inferOk(column, [ty('str', [null, 3, 4])], { index: -4 })).toEqual(ty('str', [null, 3]));
  });
  it('accepts any index when the last dim is symbolic or unknown', () => {
    expect(inferOk(column, [ty('i64', ['batch', 'k'])], { index: 7 })).toEqual(ty('i64', ['batch']));
    expect(inferOk(column, [ty('bool', ['batch', null])], { index: -3 })).toEqual(ty('bool', ['batch']));
  });
  it('reports an out-of-range index against the parameter', () => {
    const e = inferErr(column, [ty('f32', ['batch', 2])], { index: 2 });
    expect(e).toEqual({
      error: 'column index 2 is out of range for f32[batch, 2]: valid indexes are 0..1 (or -2..-1 from the end)',
      param: 'index',
    });
    expect(inferErr(column, [ty('f32', ['batch', 2])], { index: -3 }).param).toBe('index');
    expect(inferErr(column, [ty('f32', ['batch', 0])], { index: 0 }).error).toContain('no positions');
  });
  it('refuses rank 1', () => {
    expect(inferErr(column, [ty('f32', ['batch'])], { index: 0 }).arg).toBe(0);
  });
});

describe('column kernel', () => {
  it('selects one position per row, negative from the end', () => {
    const x = f32([3, 2], [0.1, 0.9, 0.8, 0.2, 0.5, 0.5]);
    expectValues(run(column, [x], { index: 1 }).data as Float32Array, [Math.fround(0.9), Math.fround(0.2), 0.5]);
    expectValues(run(column, [x], { index: -2 }).data as Float32Array, [Math.fround(0.1), Math.fround(0.8), 0.5]);
  });
  it('copies i64, bool, str and NaN values unchanged', () => {
    expect(Array.from(run(column, [i64([2, 2], [1, 2n ** 62n, 3, -4])], { index: 1 }).data as BigInt64Array)).toEqual([2n ** 62n, -4n]);
    expect(Array.from(run(column, [bool([2, 2], [0, 1, 1, 0])], { index: 0 }).data as Uint8Array)).toEqual([0, 1]);
    expect(run(column, [str([2, 2], ['a', 'b', 'c', 'd'])], { index: 1 }).data).toEqual(['b', 'd']);
    expectValues(run(column, [f32([1, 2], [NaN, 1])], { index: 0 }).data as Float32Array, [NaN]);
  });
  it('keeps leading dims of rank 3, handles an empty batch, checks a runtime range', () => {
    const r3 = run(column, [f32([1, 2, 3], [1, 2, 3, 4, 5, 6])], { index: 2 });
    expect(r3.dims).toEqual([1, 2]);
    expectValues(r3.data as Float32Array, [3, 6]);
    const empty = run(column, [f32([0, 2], [])], { index: 1 });
    expect(empty.dims).toEqual([0]);
    expect(() => run(column, [f32([1, 2], [1, 2])], { index: 5 })).toThrow(KernelError);
  });
});
