import { describe, expect, it } from 'vitest';
import { cast, i64ToF32 } from '../../../stdlib/ops/cast.ts';
import { bool, checkParams, expectValues, f32, f64, i32, i64, inferErr, inferOk, run, ty } from './helpers.ts';

const I64_MIN = -(2n ** 63n);

describe('cast params', () => {
  it('needs a numeric target dtype', () => {
    for (const to of ['f32', 'f64', 'i32', 'i64', 'bool']) expect(checkParams(cast, { to }).ok).toBe(true);
    expect(checkParams(cast, {}).ok).toBe(false);
    expect(checkParams(cast, { to: 'str' }).ok).toBe(false);
    expect(checkParams(cast, { to: 'float32' }).ok).toBe(false);
    expect(checkParams(cast, { to: 'f32', copy: true }).ok).toBe(false);
  });
});

describe('cast infer', () => {
  it('changes the dtype and keeps the dims', () => {
    expect(inferOk(cast, [ty('i64', ['batch', 3])], { to: 'f32' })).toEqual(ty('f32', ['batch', 3]));
    expect(inferOk(cast, [ty('bool', [null])], { to: 'f64' })).toEqual(ty('f64', [null]));
    expect(inferOk(cast, [ty('f32', ['batch'])], { to: 'f32' })).toEqual(ty('f32', ['batch']));
  });
  it('refuses strings', () => {
    expect(inferErr(cast, [ty('str', ['batch'])], { to: 'i64' })).toEqual({
      error: 'cast cannot convert strings to numbers, got str[batch]',
      arg: 0,
    });
  });
});

describe('cast kernel (expected values printed by numpy 2.4 astype on x86-64)', () => {
  const specials = [NaN, Infinity, -Infinity, 3e9, -3e9, 2.7, -2.7, 1e19];
  it('float → i32 truncates; NaN, inf and out of range give -2^31', () => {
    const out = run(cast, [f64([8], specials)], { to: 'i32' });
    expect(out.data).toBeInstanceOf(Int32Array);
    expect(Array.from(out.data as Int32Array)).toEqual([-2147483648, -2147483648, -2147483648, -2147483648, -2147483648, 2, -2, -2147483648]);
    expect(Array.from(run(cast, [f64([3], [2147483647.9, -2147483648.9, -0])], { to: 'i32' }).data as Int32Array)).toEqual([
      2147483647, -2147483648, 0,
    ]);
  });
  it('float → i64 truncates; NaN, inf and out of range give -2^63', () => {
    expect(Array.from(run(cast, [f64([8], specials)], { to: 'i64' }).data as BigInt64Array)).toEqual([
      I64_MIN,
      I64_MIN,
      I64_MIN,
      3000000000n,
      -3000000000n,
      2n,
      -2n,
      I64_MIN,
    ]);
    expect(Array.from(run(cast, [f64([3], [-(2 ** 63), 2 ** 63, 9.2e18])], { to: 'i64' }).data as BigInt64Array)).toEqual([
      I64_MIN,
      I64_MIN,
      9200000000000000000n,
    ]);
    expect(Array.from(run(cast, [f32([2], [2.5, -0.5])], { to: 'i64' }).data as BigInt64Array)).toEqual([2n, 0n]);
  });
  it('i64 → i32 wraps, i32 → i64 widens', () => {
    expect(Array.from(run(cast, [i64([4], [2n ** 40n + 5n, -1, 2n ** 31n + 7n, -(2n ** 31n) - 1n])], { to: 'i32' }).data as Int32Array)).toEqual([
      5, -1, -2147483641, 2147483647,
    ]);
    expect(Array.from(run(cast, [i32([2], [-7, 2147483647])], { to: 'i64' }).data as BigInt64Array)).toEqual([-7n, 2147483647n]);
  });
  it('i64 → f32 rounds once to nearest even (no double rounding through f64)', () => {
    const out = run(
      cast,
      [
        i64(
          [6],
          [2n ** 60n + 2n ** 36n + 1n, 16777217, 2n ** 53n + 1n, 2n ** 60n + 2n ** 36n, 2n ** 60n + 3n * 2n ** 36n, -(2n ** 60n + 2n ** 36n + 1n)],
        ),
      ],
      { to: 'f32' },
    );
    expectValues(
      out.data as Float32Array,
      [1.1529216420458004e18, 16777216, 9007199254740992, 1.152921504606847e18, 1.152921779484754e18, -1.1529216420458004e18],
    );
    expect(i64ToF32(I64_MIN)).toBe(-9223372036854775808);
  });
  it('i64 → f64 rounds to nearest; f32 ↔ f64 as typed arrays store', () => {
    expectValues(run(cast, [i64([2], [2n ** 53n + 1n, -3])], { to: 'f64' }).data as Float64Array, [9007199254740992, -3]);
    expectValues(run(cast, [f64([2], [0.1, NaN])], { to: 'f32' }).data as Float32Array, [0.10000000149011612, NaN]);
    expectValues(run(cast, [f32([1], [0.1])], { to: 'f64' }).data as Float64Array, [0.10000000149011612]);
  });
  it('to bool is x != 0 (NaN is true); bool → numbers is 0/1', () => {
    expect(Array.from(run(cast, [f32([4], [0, -0, NaN, 0.5])], { to: 'bool' }).data as Uint8Array)).toEqual([0, 0, 1, 1]);
    expect(Array.from(run(cast, [i64([2], [0, -5])], { to: 'bool' }).data as Uint8Array)).toEqual([0, 1]);
    expectValues(run(cast, [bool([2], [0, 1])], { to: 'f32' }).data as Float32Array, [0, 1]);
    expect(Array.from(run(cast, [bool([2], [1, 0])], { to: 'i64' }).data as BigInt64Array)).toEqual([1n, 0n]);
  });
  it('same dtype copies, and an empty batch keeps its shape', () => {
    const out = run(cast, [i64([1, 1], [42])], { to: 'i64' });
    expect(Array.from(out.data as BigInt64Array)).toEqual([42n]);
    const empty = run(cast, [f32([0, 3], [])], { to: 'i64' });
    expect(empty.dims).toEqual([0, 3]);
    expect(empty.data).toBeInstanceOf(BigInt64Array);
  });
});
