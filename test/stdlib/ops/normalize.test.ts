import { describe, expect, it } from 'vitest';
import { normalize } from '../../../stdlib/ops/normalize.ts';
import { checkParams, expectValues, f32, f64, inferErr, inferOk, run, ty } from './helpers.ts';

describe('normalize params', () => {
  it('defaults to l2 and accepts l1 and max', () => {
    expect(checkParams(normalize, {}).params).toEqual({ norm: 'l2' });
    expect(checkParams(normalize, { norm: 'l1' }).ok).toBe(true);
    expect(checkParams(normalize, { norm: 'max' }).ok).toBe(true);
  });
  it('rejects other norms and unknown params', () => {
    expect(checkParams(normalize, { norm: 'l3' }).ok).toBe(false);
    expect(checkParams(normalize, { norm: 2 }).ok).toBe(false);
    expect(checkParams(normalize, { axis: 0 }).ok).toBe(false);
  });
});

describe('normalize infer', () => {
  it('keeps the type of a float [rows, features] tensor', () => {
    expect(inferOk(normalize, [ty('f32', ['batch', 8])])).toEqual(ty('f32', ['batch', 8]));
    expect(inferOk(normalize, [ty('f64', [null, 'k'])], { norm: 'l1' })).toEqual(ty('f64', [null, 'k']));
  });
  it('refuses integers with a cast hint and rank-1 tensors', () => {
    expect(inferErr(normalize, [ty('i32', ['batch', 3])]).error).toContain('cast(x, to: "f32")');
    const e = inferErr(normalize, [ty('f32', ['batch'])]);
    expect(e.arg).toBe(0);
    expect(e.error).toContain('one value per row');
  });
});

describe('normalize kernel', () => {
  const x = [3, 4, 0, 0, 1, -2, 2, -8];
  it('l2: rows of unit euclidean length, zero rows stay zero', () => {
    const out = run(normalize, [f64([4, 2], x)]);
    expectValues(out.data as Float64Array, [0.6, 0.8, 0, 0, 0.4472135954999579, -0.8944271909999159, 0.24253562503633297, -0.9701425001453319], 15);
  });
  it('l1: rows whose absolute values sum to 1', () => {
    const out = run(normalize, [f64([4, 2], x)], { norm: 'l1' });
    expectValues(out.data as Float64Array, [3 / 7, 4 / 7, 0, 0, 1 / 3, -2 / 3, 0.2, -0.8], 15);
  });
  it('max: rows divided by their largest absolute value', () => {
    const out = run(normalize, [f64([4, 2], x)], { norm: 'max' });
    expectValues(out.data as Float64Array, [0.75, 1, 0, 0, 0.5, -1, 0.25, -1]);
  });
  it('f32 keeps its width (values rounded to f32)', () => {
    const out = run(normalize, [f32([1, 2], [1, -2])]);
    expect(out.dtype).toBe('f32');
    expectValues(out.data as Float32Array, [0.4472135901451111, -0.8944271802902222]);
  });
  it('a NaN makes its whole row NaN, other rows are untouched', () => {
    for (const norm of ['l2', 'l1', 'max']) {
      const out = run(normalize, [f64([2, 3], [1, NaN, 5, 0, 0, 2])], { norm });
      expectValues(out.data as Float64Array, [NaN, NaN, NaN, 0, 0, 1]);
    }
  });
  it('an infinite element zeroes the finite ones and is itself NaN', () => {
    expectValues(run(normalize, [f64([1, 2], [Infinity, 1])]).data as Float64Array, [NaN, 0]);
  });
  it('works on rank 3 along the last axis, and on an empty batch', () => {
    const out = run(normalize, [f64([1, 2, 2], [0, 5, 6, 8])]);
    expectValues(out.data as Float64Array, [0, 1, 0.6, 0.8]);
    const empty = run(normalize, [f32([0, 4], [])]);
    expect(empty.dims).toEqual([0, 4]);
    expect(empty.data.length).toBe(0);
  });
});
