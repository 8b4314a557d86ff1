import { describe, expect, it } from 'vitest';
import { resolveSlice, slice } from '../../../stdlib/ops/slice.ts';
import { checkParams, expectValues, f64, i64, inferErr, inferOk, run, str, ty } from './helpers.ts';

/** [start, end, step, Python's list(range(6))[start:end:step]], printed by CPython. */
const PYTHON: Array<[number | undefined, number | undefined, number, number[]]> = [
  [1, 4, 1, [1, 2, 3]],
  [-2, undefined, 1, [4, 5]],
  [undefined, -1, 1, [0, 1, 2, 3, 4]],
  [undefined, undefined, 2, [0, 2, 4]],
  [undefined, undefined, -1, [5, 4, 3, 2, 1, 0]],
  [4, 1, -2, [4, 2]],
  [10, undefined, 1, []],
  [-10, 2, 1, [0, 1]],
  [5, 0, 1, []],
  [-1, -10, -2, [5, 3, 1]],
  [1, undefined, 4, [1, 5]],
  [undefined, undefined, -4, [5, 1]],
  [3, 3, 1, []],
  [-100, 100, 3, [0, 3]],
  [2, -100, -1, [2, 1, 0]],
];

function params(start: number | undefined, end: number | undefined, step: number): Record<string, unknown> {
  const p: Record<string, unknown> = { step };
  if (start !== undefined) p.start = start;
  if (end !== undefined) p.end = end;
  return p;
}

describe('slice params', () => {
  it('defaults step to 1; start and end are optional integers', () => {
    expect(checkParams(slice, { start: 1 }).params).toEqual({ start: 1, step: 1, axis: -1 });
    expect(checkParams(slice, {}).ok).toBe(true);
    expect(checkParams(slice, { start: -1, end: 3, step: -2 }).ok).toBe(true);
  });
  it('rejects step 0, non-integers and unknown params', () => {
    expect(checkParams(slice, { step: 0 }).ok).toBe(false);
    expect(checkParams(slice, { start: 0.5 }).ok).toBe(false);
    expect(checkParams(slice, { end: 'x' }).ok).toBe(false);
    expect(checkParams(slice, { stop: 2 }).ok).toBe(false);
  });
});

describe('slice infer', () => {
  it('computes the last dim like Python when it is known', () => {
    for (const [s, e, st, expected] of PYTHON) {
      expect(inferOk(slice, [ty('f32', ['batch', 6])], params(s, e, st))).toEqual(ty('f32', ['batch', expected.length]));
    }
  });
  it('gives an unknown last dim for a symbolic or unknown one, unless the whole axis is kept', () => {
    expect(inferOk(slice, [ty('f32', ['batch', 'k'])], { start: 1 })).toEqual(ty('f32', ['batch', null]));
    expect(inferOk(slice, [ty('f32', ['batch', null])], { end: 2 })).toEqual(ty('f32', ['batch', null]));
    expect(inferOk(slice, [ty('str', ['batch', 'k'])], { start: 0 })).toEqual(ty('str', ['batch', 'k']));
  });
  it('refuses rank 1', () => {
    expect(inferErr(slice, [ty('f32', ['batch'])], { start: 1 }).error).toContain('rank 2 or more');
  });
});

describe('slice kernel', () => {
  it('matches Python slicing on every case of the table, on two rows', () => {
    for (const [s, e, st, expected] of PYTHON) {
      const x = f64([2, 6], [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
      const out = run(slice, [x], params(s, e, st));
      expect(out.dims).toEqual([2, expected.length]);
      expectValues(out.data as Float64Array, [...expected, ...expected.map((v) => v + 10)]);
      expect(resolveSlice(6, s, e, st).count).toBe(expected.length);
    }
  });
  it('copies long contiguous ranges and non-numeric dtypes', () => {
    const long = Array.from({ length: 40 }, (_, i) => i);
    const out = run(slice, [f64([1, 40], long)], { start: 2, end: 38 });
    expectValues(out.data as Float64Array, long.slice(2, 38));
    expect(run(slice, [str([1, 3], ['a', 'b', 'c'])], { step: -1 }).data).toEqual(['c', 'b', 'a']);
    expect(Array.from(run(slice, [i64([1, 3], [1, 2n ** 63n - 1n, 3])], { start: 1 }).data as BigInt64Array)).toEqual([2n ** 63n - 1n, 3n]);
  });
  it('handles an empty batch, an empty axis and NaN', () => {
    expect(run(slice, [f64([0, 6], [])], { start: 1 }).dims).toEqual([0, 5]);
    expect(run(slice, [f64([2, 0], [])], { start: 1 }).dims).toEqual([2, 0]);
    expectValues(run(slice, [f64([1, 2], [NaN, 1])], { end: 1 }).data as Float64Array, [NaN]);
  });
});
