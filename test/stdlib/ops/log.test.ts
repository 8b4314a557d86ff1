import { describe, expect, it } from 'vitest';
import { log } from '../../../stdlib/ops/log.ts';
import { checkParams, expectValues, f32, f64, inferErr, inferOk, run, ty } from './helpers.ts';

describe('log', () => {
  it('takes no params', () => {
    expect(checkParams(log, {}).ok).toBe(true);
    expect(checkParams(log, { base: 10 }).ok).toBe(false);
  });
  it('infers the float input type, refuses integers and strings', () => {
    expect(inferOk(log, [ty('f64', ['batch', 3])])).toEqual(ty('f64', ['batch', 3]));
    expect(inferErr(log, [ty('i64', ['batch'])]).error).toContain('cast(x, to: "f32")');
    expect(inferErr(log, [ty('str', ['batch'])]).error).toContain('strings cannot be cast');
  });
  it('follows numpy on 0, negatives, NaN and inf', () => {
    expectValues(run(log, [f64([6], [1, Math.E, 0, -1, NaN, Infinity])]).data as Float64Array, [0, 1, -Infinity, NaN, NaN, Infinity]);
  });
  it('rounds to f32 for f32 and handles an empty batch', () => {
    expectValues(run(log, [f32([1], [2])]).data as Float32Array, [0.6931471824645996]);
    expect(run(log, [f32([0, 2], [])]).data.length).toBe(0);
  });
});
