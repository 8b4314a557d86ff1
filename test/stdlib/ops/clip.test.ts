import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clip } from '../../../stdlib/ops/clip.ts';
import { checkParams, expectValues, f32, f64, i32, i64, inferErr, inferOk, run, ty } from './helpers.ts';

describe('clip params', () => {
  it('needs min, max or both', () => {
    expect(checkParams(clip, { min: 0 }).ok).toBe(true);
    expect(checkParams(clip, { max: 1 }).ok).toBe(true);
    expect(checkParams(clip, { min: 0, max: 1 }).ok).toBe(true);
    expect(checkParams(clip, {}).ok).toBe(false);
    expect(checkParams(clip, { min: 'a' }).ok).toBe(false);
    expect(checkParams(clip, { min: 0, lo: 1 }).ok).toBe(false);
  });
});

describe('clip infer', () => {
  it('keeps the type', () => {
    expect(inferOk(clip, [ty('f32', ['batch', 3])], { min: 0 })).toEqual(ty('f32', ['batch', 3]));
    expect(inferOk(clip, [ty('i64', ['batch'])], { min: -5, max: 5 })).toEqual(ty('i64', ['batch']));
  });
  it('rejects min > max, fractional or out-of-range bounds on integers, and bool/str', () => {
    expect(inferErr(clip, [ty('f32', ['batch'])], { min: 3, max: 1 })).toEqual({
      error: 'clip min (3) is greater than max (1)',
      param: 'min',
    });
    const e = inferErr(clip, [ty('i32', ['batch'])], { max: 0.5 });
    expect(e.param).toBe('max');
    expect(e.error).toContain('cast(x, to: "f64")');
    expect(inferErr(clip, [ty('i32', ['batch'])], { max: 2 ** 31 }).param).toBe('max');
    expect(inferErr(clip, [ty('i64', ['batch'])], { min: -1e19 }).param).toBe('min');
    expect(inferErr(clip, [ty('bool', ['batch'])], { min: 0 }).error).toContain('cast(x, to: "i64")');
    expect(inferErr(clip, [ty('str', ['batch'])], { min: 0 }).arg).toBe(0);
  });
});

describe('clip kernel', () => {
  it('limits floats to [min, max], NaN passes through', () => {
    expectValues(run(clip, [f64([5], [-3, 0.5, 7, NaN, -Infinity])], { min: 0, max: 1 }).data as Float64Array, [0, 0.5, 1, NaN, 0]);
  });
  it('leaves an omitted side open', () => {
    expectValues(run(clip, [f64([3], [-3, 5, Infinity])], { min: 0 }).data as Float64Array, [0, 5, Infinity]);
    expectValues(run(clip, [f64([3], [-3, 5, Infinity])], { max: 4 }).data as Float64Array, [-3, 4, 4]);
  });
  it('rounds bounds to f32 for f32 (numpy float32 semantics)', () => {
    const out = run(clip, [f32([2], [0, 1])], { min: 0.1, max: 0.7 });
    expectValues(out.data as Float32Array, [0.10000000149011612, 0.699999988079071]);
  });
  it('clips i32 and i64 exactly, and handles an empty batch', () => {
    expect(Array.from(run(clip, [i32([3], [-9, 3, 9])], { min: -5, max: 5 }).data as Int32Array)).toEqual([-5, 3, 5]);
    expect(Array.from(run(clip, [i64([3], [-(2n ** 62n), 3, 2n ** 62n])], { min: -5 }).data as BigInt64Array)).toEqual([-5n, 3n, 2n ** 62n]);
    expect(run(clip, [f32([0, 2], [])], { max: 1 }).dims).toEqual([0, 2]);
  });
});

describe('clip kernel: the branch-free loop', () => {
  /** The comparison-based definition, element by element. */
  const reference = (xs: number[], lo: number, hi: number): number[] => xs.map((v) => (v < lo ? lo : v > hi ? hi : v));
  const value = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1, -1));
  const bound = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, undefined, 1, -1));

  it('gives what the comparisons give, bit for bit (-0, NaN, infinities, zero and open bounds), for f64 and f32', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), bound, bound, fc.boolean(), (xs, a, b, single) => {
        // A valid clip: min <= max (the checker refuses the rest); an undefined bound is open.
        let [min, max] = [a, b];
        if (min !== undefined && max !== undefined && min > max) [min, max] = [max, min];
        const params = { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
        if (min === undefined && max === undefined) return;
        const data = single ? Float32Array.from(xs) : Float64Array.from(xs);
        const round = single ? Math.fround : (v: number) => v;
        const got = Array.from(
          run(clip, [single ? f32([xs.length], Array.from(data)) : f64([xs.length], Array.from(data))], params).data as Float64Array,
        );
        const want = reference(Array.from(data), min === undefined ? -Infinity : round(min), max === undefined ? Infinity : round(max));
        expect(got.length).toBe(want.length);
        for (let i = 0; i < got.length; i++) expect(Object.is(got[i], single ? Math.fround(want[i]!) : want[i])).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
