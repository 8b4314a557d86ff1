import { describe, expect, it } from 'vitest';
import { concat } from '../../../stdlib/ops/concat.ts';
import { KernelError } from '../../../stdlib/ops/kernel-error.ts';
import { bool, checkParams, expectValues, f32, f64, fakeCtx, i64, inferErr, inferOk, run, str, ty } from './helpers.ts';

describe('concat params', () => {
  it('takes none', () => {
    expect(checkParams(concat, {}).ok).toBe(true);
    expect(checkParams(concat, { axis: 0 }).ok).toBe(false);
  });
});

describe('concat infer', () => {
  it('sums known last dims and unifies the leading ones', () => {
    const ctx = fakeCtx();
    expect(inferOk(concat, [ty('f32', ['batch', 3]), ty('f32', ['batch', 2])], {}, ctx)).toEqual(ty('f32', ['batch', 5]));
    expect(ctx.calls).toEqual([{ a: 'batch', b: 'batch', argA: 0, argB: 1 }]);
  });
  it('treats rank-1 tensors as one column each', () => {
    expect(inferOk(concat, [ty('f32', ['batch']), ty('f32', ['batch'])])).toEqual(ty('f32', ['batch', 2]));
    expect(inferOk(concat, [ty('f32', ['batch', 30]), ty('f32', ['batch']), ty('f32', [null])])).toEqual(ty('f32', ['batch', 32]));
  });
  it('resolves unknown leading dims and gives an unknown total for a symbolic last dim', () => {
    expect(inferOk(concat, [ty('i64', [null, 2]), ty('i64', ['batch', 'k'])])).toEqual(ty('i64', ['batch', null]));
  });
  it('records a leading-dim mismatch through the context', () => {
    const ctx = fakeCtx();
    inferOk(concat, [ty('f32', [4, 1]), ty('f32', [5, 1])], {}, ctx);
    expect(ctx.mismatches).toEqual([{ a: 4, b: 5, argA: 0, argB: 1 }]);
  });
  it('widens f32 with f64, refuses other dtype mixes with a cast hint', () => {
    expect(inferOk(concat, [ty('f32', ['batch']), ty('f64', ['batch'])]).dtype).toBe('f64');
    const e = inferErr(concat, [ty('f32', ['batch', 2]), ty('i64', ['batch', 1])]);
    expect(e.arg).toBe(1);
    expect(e.error).toContain('cast(x, to: "f32")');
    expect(inferOk(concat, [ty('str', ['batch']), ty('str', ['batch', 2])]).dtype).toBe('str');
  });
  it('refuses different ranks and scalars', () => {
    expect(inferErr(concat, [ty('f32', ['batch', 2, 3]), ty('f32', ['batch', 2])]).arg).toBe(1);
    expect(inferErr(concat, [ty('f32', ['batch', 2]), ty('f32', [])]).error).toContain('scalar');
  });
});

describe('concat kernel', () => {
  it('joins rows side by side', () => {
    const out = run(concat, [f32([2, 2], [1, 2, 3, 4]), f32([2, 1], [5, 6]), f32([2], [7, 8])]);
    expect(out.dims).toEqual([2, 4]);
    expectValues(out.data as Float32Array, [1, 2, 5, 7, 3, 4, 6, 8]);
  });
  it('widens f32 to f64 exactly, keeps NaN', () => {
    const out = run(concat, [f32([1], [0.1]), f64([1], [NaN])]);
    expect(out.dtype).toBe('f64');
    expectValues(out.data as Float64Array, [0.10000000149011612, NaN]);
  });
  it('joins wide rows (bulk copy path), i64, bool and str', () => {
    const wide = Array.from({ length: 20 }, (_, i) => i);
    const out = run(concat, [f64([2, 20], [...wide, ...wide.map((v) => -v)]), f64([2, 1], [99, -99])]);
    expectValues(out.data as Float64Array, [...wide, 99, ...wide.map((v) => -v), -99]);
    expect(Array.from(run(concat, [i64([2], [1, 2]), i64([2], [2n ** 62n, -1])]).data as BigInt64Array)).toEqual([1n, 2n ** 62n, 2n, -1n]);
    expect(Array.from(run(concat, [bool([1, 1], [1]), bool([1, 1], [0])]).data as Uint8Array)).toEqual([1, 0]);
    expect(run(concat, [str([2], ['a', 'b']), str([2, 1], ['c', 'd'])]).data).toEqual(['a', 'c', 'b', 'd']);
  });
  it('handles an empty batch and reports rows that differ at run time', () => {
    const empty = run(concat, [f32([0, 3], []), f32([0], [])]);
    expect(empty.dims).toEqual([0, 4]);
    expect(() => run(concat, [f32([2, 1], [1, 2]), f32([3, 1], [1, 2, 3])])).toThrow(KernelError);
    expect(() => run(concat, [f32([1], [1]), i64([1], [1])])).toThrow(KernelError);
  });
});
