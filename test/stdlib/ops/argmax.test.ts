import { describe, expect, it } from 'vitest';
import { argmax } from '../../../stdlib/ops/argmax.ts';
import { KernelError } from '../../../stdlib/ops/kernel-error.ts';
import { bool, checkParams, f32, f64, i32, i64, inferErr, inferOk, run, ty } from './helpers.ts';

describe('argmax', () => {
  it('takes no params', () => {
    expect(checkParams(argmax, {}).ok).toBe(true);
    expect(checkParams(argmax, { axis: 1 }).ok).toBe(false);
  });

  it('infers i64 with the last axis dropped, for every numeric dtype', () => {
    expect(inferOk(argmax, [ty('f32', ['batch', 3])])).toEqual(ty('i64', ['batch']));
    expect(inferOk(argmax, [ty('i64', [null, 2, 'k'])])).toEqual(ty('i64', [null, 2]));
    expect(inferOk(argmax, [ty('bool', ['batch', null])])).toEqual(ty('i64', ['batch']));
  });
  it('refuses strings, rank 1 and a known empty last axis', () => {
    expect(inferErr(argmax, [ty('str', ['batch', 3])]).error).toContain('strings');
    expect(inferErr(argmax, [ty('f32', ['batch'])]).error).toContain('rank 2 or more');
    expect(inferErr(argmax, [ty('f32', ['batch', 0])]).error).toContain('last dim is 0');
  });

  it('returns the first index on ties as a BigInt64Array', () => {
    const out = run(argmax, [f32([3, 3], [0.1, 0.7, 0.2, 5, 5, 1, -3, -2, -2])]);
    expect(out.dtype).toBe('i64');
    expect(out.data).toBeInstanceOf(BigInt64Array);
    expect(out.dims).toEqual([3]);
    expect(Array.from(out.data as BigInt64Array)).toEqual([1n, 0n, 1n]);
  });
  it('picks the first NaN, as numpy', () => {
    const out = run(argmax, [f64([3, 3], [1, NaN, 3, NaN, NaN, 9, 1, 2, NaN])]);
    expect(Array.from(out.data as BigInt64Array)).toEqual([1n, 0n, 2n]);
  });
  it('works on i64 beyond 2^53, i32, bool and -inf rows', () => {
    const big = run(argmax, [i64([2, 2], [2n ** 60n + 1n, 2n ** 60n + 2n, -5, -6])]);
    expect(Array.from(big.data as BigInt64Array)).toEqual([1n, 0n]);
    expect(Array.from(run(argmax, [i32([1, 3], [-1, 4, 4])]).data as BigInt64Array)).toEqual([1n]);
    expect(Array.from(run(argmax, [bool([2, 3], [0, 0, 1, 0, 0, 0])]).data as BigInt64Array)).toEqual([2n, 0n]);
    expect(Array.from(run(argmax, [f64([1, 2], [-Infinity, -Infinity])]).data as BigInt64Array)).toEqual([0n]);
  });
  it('keeps leading dims for rank 3, handles an empty batch, and fails on empty rows', () => {
    const r3 = run(argmax, [f32([2, 2, 2], [1, 0, 0, 1, 5, 6, 8, 7])]);
    expect(r3.dims).toEqual([2, 2]);
    expect(Array.from(r3.data as BigInt64Array)).toEqual([0n, 1n, 1n, 0n]);
    expect(run(argmax, [f32([0, 4], [])]).dims).toEqual([0]);
    expect(() => run(argmax, [f32([2, 0], [])])).toThrow(KernelError);
  });
});
