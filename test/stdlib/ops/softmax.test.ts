import { describe, expect, it } from 'vitest';
import { softmax } from '../../../stdlib/ops/softmax.ts';
import { checkParams, expectValues, f32, f64, inferErr, inferOk, run, ty } from './helpers.ts';

describe('softmax params', () => {
  it('takes none', () => {
    expect(checkParams(softmax, {}).ok).toBe(true);
    expect(checkParams(softmax, { axis: -1 }).ok).toBe(false);
  });
});

describe('softmax infer', () => {
  it('keeps the type of float logits', () => {
    expect(inferOk(softmax, [ty('f32', ['batch', 3])])).toEqual(ty('f32', ['batch', 3]));
    expect(inferOk(softmax, [ty('f64', [null, null, 'vocab'])])).toEqual(ty('f64', [null, null, 'vocab']));
  });
  it('refuses integer logits with the cast hint users need', () => {
    expect(inferErr(softmax, [ty('i64', ['batch', 3])])).toEqual({
      error: 'softmax needs a float tensor, got i64[batch, 3]; cast it first: cast(x, to: "f32")',
      arg: 0,
    });
  });
  it('refuses rank 1 (the last axis would be the rows) and scalars', () => {
    expect(inferErr(softmax, [ty('f32', ['batch'])]).error).toContain('rank 2 or more');
    expect(inferErr(softmax, [ty('f32', [])]).error).toContain('scalar');
  });
});

describe('softmax kernel', () => {
  it('matches hand-computed probabilities and survives huge logits', () => {
    const out = run(softmax, [f64([2, 3], [1, 2, 3, 1000, 1000, 0])]);
    expectValues(out.data as Float64Array, [0.09003057317038046, 0.24472847105479764, 0.6652409557748218, 0.5, 0.5, 0], 15);
  });
  it('is shift invariant and rounds once to f32', () => {
    const out = run(softmax, [f32([2, 2], [0.5, 1.5, 100.5, 101.5])]);
    expect(out.dtype).toBe('f32');
    expectValues(out.data as Float32Array, [0.2689414322376251, 0.7310585975646973, 0.2689414322376251, 0.7310585975646973]);
  });
  it('NaN or +inf poisons only its own row; -inf gets probability 0; an all -inf row is NaN', () => {
    const out = run(softmax, [f64([4, 2], [NaN, 1, 0, 0, Infinity, 1, -Infinity, 0])]);
    expectValues(out.data as Float64Array, [NaN, NaN, 0.5, 0.5, NaN, NaN, 0, 1]);
    expectValues(run(softmax, [f64([1, 2], [-Infinity, -Infinity])]).data as Float64Array, [NaN, NaN]);
  });
  it('handles an empty batch, an empty last axis and a single column', () => {
    expect(run(softmax, [f32([0, 3], [])]).dims).toEqual([0, 3]);
    expect(run(softmax, [f32([2, 0], [])]).data.length).toBe(0);
    expectValues(run(softmax, [f64([2, 1], [-7, 42])]).data as Float64Array, [1, 1]);
  });
});
