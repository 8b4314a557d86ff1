import { describe, expect, it } from 'vitest';
import { add } from '../../../stdlib/ops/add.ts';
import { div } from '../../../stdlib/ops/div.ts';
import { KernelError } from '../../../stdlib/ops/kernel-error.ts';
import { mul } from '../../../stdlib/ops/mul.ts';
import { sub } from '../../../stdlib/ops/sub.ts';
import { bool, checkParams, expectValues, f32, f64, i32, i64, inferErr, inferOk, run, ty } from './helpers.ts';

const big = (t: { data: unknown }) => Array.from(t.data as BigInt64Array);

describe('add/sub/mul/div params', () => {
  it('accept an optional number by:', () => {
    for (const op of [add, sub, mul, div]) {
      expect(checkParams(op, {}).ok).toBe(true);
      expect(checkParams(op, { by: 2.5 }).ok).toBe(true);
      expect(checkParams(op, { by: '2' }).ok).toBe(false);
      expect(checkParams(op, { by: [1, 2] }).ok).toBe(false);
      expect(checkParams(op, { value: 1 }).ok).toBe(false);
    }
  });
});

describe('add/sub/mul/div infer', () => {
  it('take two tensors with broadcasting, or one tensor and by:', () => {
    expect(inferOk(add, [ty('f32', ['batch', 2]), ty('f32', ['batch', 1])])).toEqual(ty('f32', ['batch', 2]));
    expect(inferOk(sub, [ty('i64', ['batch']), ty('i64', [null])])).toEqual(ty('i64', ['batch']));
    expect(inferOk(mul, [ty('f64', ['batch', 3])], { by: 0.5 })).toEqual(ty('f64', ['batch', 3]));
    expect(inferOk(add, [ty('f32', ['batch']), ty('f64', ['batch'])])).toEqual(ty('f64', ['batch']));
  });
  it('div of integers gives f64 (true division)', () => {
    expect(inferOk(div, [ty('i64', ['batch']), ty('i64', ['batch'])])).toEqual(ty('f64', ['batch']));
    expect(inferOk(div, [ty('i32', ['batch'])], { by: 3 })).toEqual(ty('f64', ['batch']));
    expect(inferOk(div, [ty('f32', ['batch'])], { by: 3 })).toEqual(ty('f32', ['batch']));
  });
  it('refuses dtype mixes with a cast hint, naming the argument', () => {
    expect(inferErr(add, [ty('f32', ['batch']), ty('i64', ['batch'])])).toEqual({
      error:
        'add cannot mix f32[batch] (argument 1) with i64[batch] (argument 2): dtypes are not promoted ' +
        'silently (only f32 with f64 gives f64); cast one of them first, e.g. cast(x, to: "f32")',
      arg: 1,
    });
    expect(inferErr(mul, [ty('bool', ['batch']), ty('bool', ['batch'])]).error).toContain('cast(x, to: "i64")');
  });
  it('refuses a wrong count of operands and a fractional by: on integers', () => {
    expect(inferErr(add, [ty('f32', ['batch'])]).error).toContain('add(x, by: 2.0)');
    expect(inferErr(add, [ty('f32', ['batch']), ty('f32', ['batch'])], { by: 1 }).param).toBe('by');
    const e = inferErr(mul, [ty('i64', ['batch'])], { by: 0.5 });
    expect(e.param).toBe('by');
    expect(e.error).toContain('cast(x, to: "f64")');
    expect(inferErr(add, [ty('i32', ['batch'])], { by: 2 ** 31 }).param).toBe('by');
    expect(inferErr(div, [ty('f32', ['batch'])], { by: 0 }).error).toBe('div by: 0 would divide every value by zero');
  });
  it('refuses rank mismatches and incompatible fixed sizes', () => {
    expect(inferErr(sub, [ty('f32', ['batch', 2]), ty('f32', ['batch'])]).arg).toBe(1);
    expect(inferErr(sub, [ty('f32', ['batch', 2]), ty('f32', ['batch', 3])]).error).toContain('sizes must be equal or 1');
  });
});

describe('add/sub/mul/div kernels on floats', () => {
  it('compute elementwise with NaN and infinities as IEEE', () => {
    const a = f64([4], [1, NaN, Infinity, 0]);
    const b = f64([4], [2, 1, -Infinity, 0]);
    expectValues(run(add, [a, b]).data as Float64Array, [3, NaN, NaN, 0]);
    expectValues(run(sub, [a, b]).data as Float64Array, [-1, NaN, Infinity, 0]);
    expectValues(run(mul, [a, b]).data as Float64Array, [2, NaN, -Infinity, 0]);
    expectValues(run(div, [a, b]).data as Float64Array, [0.5, NaN, NaN, NaN]);
  });
  it('f32 arithmetic is IEEE f32 (numpy float32)', () => {
    expectValues(run(add, [f32([1], [0.1]), f32([1], [0.2])]).data as Float32Array, [0.30000001192092896]);
    expectValues(run(add, [f32([1], [0.1])], { by: 0.2 }).data as Float32Array, [0.30000001192092896]);
    expectValues(run(div, [f32([1], [1])], { by: 3 }).data as Float32Array, [0.3333333432674408]);
  });
  it('broadcast [rows, n] with [rows, 1] and [1, n], and widen f32 with f64', () => {
    const x = f64([2, 3], [1, 2, 3, 4, 5, 6]);
    expectValues(run(mul, [x, f64([2, 1], [10, -1])]).data as Float64Array, [10, 20, 30, -4, -5, -6]);
    expectValues(run(sub, [f64([1, 3], [1, 1, 1]), x]).data as Float64Array, [0, -1, -2, -3, -4, -5]);
    expectValues(run(div, [f64([2, 1], [6, 12]), f64([1, 3], [1, 2, 3])]).data as Float64Array, [6, 3, 2, 12, 6, 4]);
    const wide = run(add, [f32([1], [0.1]), f64([1], [0])]);
    expect(wide.dtype).toBe('f64');
    expectValues(wide.data as Float64Array, [0.10000000149011612]);
  });
});

describe('add/sub/mul/div kernels on integers', () => {
  it('keep i32 and wrap on overflow, as numpy', () => {
    const out = run(add, [i32([2], [2147483647, -5]), i32([2], [1, 2])]);
    expect(out.dtype).toBe('i32');
    expect(Array.from(out.data as Int32Array)).toEqual([-2147483648, -3]);
    expect(Array.from(run(mul, [i32([1], [65536])], { by: 65537 }).data as Int32Array)).toEqual([65536]);
    expect(Array.from(run(sub, [i32([1], [-2147483648])], { by: 1 }).data as Int32Array)).toEqual([2147483647]);
  });
  it('keep i64 exact beyond 2^53 and wrap at 2^63', () => {
    expect(big(run(add, [i64([2], [2n ** 60n, 1]), i64([2], [1, 2])]))).toEqual([2n ** 60n + 1n, 3n]);
    expect(big(run(add, [i64([1], [2n ** 63n - 1n])], { by: 1 }))).toEqual([-(2n ** 63n)]);
    expect(big(run(mul, [i64([2, 1], [3, -4]), i64([1, 2], [2, 5])]))).toEqual([6n, 15n, -8n, -20n]);
    expect(big(run(sub, [i64([1], [0])], { by: -7 }))).toEqual([7n]);
  });
  it('div of integers is true division in f64, including by zero', () => {
    const out = run(div, [i64([3], [7, 1, 0]), i64([3], [2, 0, 0])]);
    expect(out.dtype).toBe('f64');
    expectValues(out.data as Float64Array, [3.5, Infinity, NaN]);
    expectValues(run(div, [i32([2], [1, -3])], { by: 4 }).data as Float64Array, [0.25, -0.75]);
    expectValues(run(div, [i64([1], [9])], { by: 2 }).data as Float64Array, [4.5]);
  });
});

describe('add/sub/mul/div kernel edge cases', () => {
  it('handle empty batches, with and without broadcasting', () => {
    expect(run(add, [f32([0, 2], []), f32([0, 1], [])]).dims).toEqual([0, 2]);
    expect(run(mul, [i64([0], [])], { by: 2 }).dims).toEqual([0]);
  });
  it('report shapes and dtypes that contradict the plan', () => {
    expect(() => run(add, [f32([2], [1, 2]), f32([3], [1, 2, 3])])).toThrow(KernelError);
    expect(() => run(add, [f32([1], [1]), i64([1], [1])])).toThrow(KernelError);
    expect(() => run(add, [bool([1], [1]), bool([1], [1])])).toThrow(KernelError);
  });
});
