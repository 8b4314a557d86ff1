import { allocData, type Tensor } from '../types.ts';
import { formatType, type DType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';

export type CastTarget = 'f32' | 'f64' | 'i32' | 'i64' | 'bool';
/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type CastParams = { to: CastTarget };

const NAME = 'cast';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;
const I64_MIN = -(2n ** 63n);
const TWO_63 = 2 ** 63;
const TWO_53 = 2 ** 53;

/**
 * float → i32 as numpy `astype(np.int32)` on x86-64: truncation toward zero; NaN, ±inf and values
 * outside the i32 range give the "integer indefinite" value -2^31 (C leaves it undefined, numpy
 * inherits the CPU's answer; m4 fixes that answer so every platform agrees).
 */
export function floatToI32(x: number): number {
  const t = Math.trunc(x);
  return t >= I32_MIN && t <= I32_MAX ? t : I32_MIN;
}

/** float → i64, same convention: truncation, and -2^63 for NaN, ±inf and out-of-range values. */
export function floatToI64(x: number): bigint {
  const t = Math.trunc(x);
  return t >= -TWO_63 && t < TWO_63 ? BigInt(t) : I64_MIN;
}

/**
 * i64 → f32 rounded once, to nearest even, as numpy. `Math.fround(Number(v))` would round twice
 * (to 53 then 24 bits) and can land on the wrong neighbour for |v| ≥ 2^53; rounding to odd at
 * 53 bits first makes the second rounding exact (53 ≥ 24 + 2).
 */
export function i64ToF32(v: bigint): number {
  const a = v < 0n ? -v : v;
  if (a < BigInt(TWO_53)) return Math.fround(Number(v));
  const shift = BigInt(a.toString(2).length - 53);
  let q = a >> shift;
  if (q << shift !== a) q |= 1n; // sticky bit: remember that something nonzero was dropped
  const r = Math.fround(Number(q) * 2 ** Number(shift));
  return v < 0n ? -r : r;
}

type NumArray = Float32Array | Float64Array | Int32Array | Uint8Array;

function convert(src: Tensor, to: CastTarget): Tensor['data'] {
  const n = src.data.length;
  const out = allocData(to, n);
  if (src.dtype === 'i64') {
    const s = src.data as BigInt64Array;
    switch (to) {
      case 'i64':
        (out as BigInt64Array).set(s);
        break;
      case 'f64': {
        const o = out as Float64Array;
        for (let i = 0; i < n; i++) o[i] = Number(s[i]);
        break;
      }
      case 'f32': {
        const o = out as Float32Array;
        for (let i = 0; i < n; i++) o[i] = i64ToF32(s[i]);
        break;
      }
      // Wraps modulo 2^32, as numpy's integer astype.
      case 'i32': {
        const o = out as Int32Array;
        for (let i = 0; i < n; i++) o[i] = Number(BigInt.asIntN(32, s[i]));
        break;
      }
      case 'bool': {
        const o = out as Uint8Array;
        for (let i = 0; i < n; i++) o[i] = s[i] !== 0n ? 1 : 0;
        break;
      }
    }
    return out;
  }
  const s = src.data as NumArray;
  const isFloat = src.dtype === 'f32' || src.dtype === 'f64';
  switch (to) {
    // Typed-array stores already round f64 → f32 to nearest even and widen exactly.
    case 'f32':
    case 'f64':
      (out as Float32Array | Float64Array).set(s);
      break;
    case 'i32': {
      const o = out as Int32Array;
      if (isFloat) for (let i = 0; i < n; i++) o[i] = floatToI32(s[i]);
      else o.set(s);
      break;
    }
    case 'i64': {
      const o = out as BigInt64Array;
      if (isFloat) for (let i = 0; i < n; i++) o[i] = floatToI64(s[i]);
      else for (let i = 0; i < n; i++) o[i] = BigInt(s[i]);
      break;
    }
    // NaN !== 0, so NaN is true, as numpy.
    case 'bool': {
      const o = out as Uint8Array;
      for (let i = 0; i < n; i++) o[i] = s[i] !== 0 ? 1 : 0;
      break;
    }
  }
  return out;
}

/** Numeric conversion with numpy `astype` semantics; `str` converts to nothing. */
export const cast: OpSpec<CastParams> = {
  name: NAME,
  summary: 'Convert a numeric tensor to another dtype (numpy astype semantics).',
  doc: [
    "Converts every element to the dtype `to`, as numpy's `astype`:",
    '',
    '- float → integer truncates toward zero (`-2.7` → `-2`);',
    '- integer → narrower integer wraps (i64 `2^40 + 5` → i32 `5`);',
    '- to f32 rounds to the nearest f32 (ties to even), also from i64;',
    '- to bool is `x != 0`; bool → number is 0 or 1.',
    '',
    '**Type rule.** `x` is f32, f64, i32, i64 or bool, any shape; the result has dtype `to` and the',
    'same dims. A `str` tensor cannot be cast to numbers (an error).',
    '',
    '**NaN.** NaN → bool is `true`. NaN, ±inf and values out of the target range → integer give the',
    'minimum integer (-2147483648 for i32, -9223372036854775808 for i64): what numpy returns on',
    'x86-64, where C leaves it undefined. Use `fill_nan` first if NaN can occur.',
  ].join('\n'),
  example: 'node x32 = cast(counts, to: "f32")',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      to: { description: 'Target dtype.', enum: ['f32', 'f64', 'i32', 'i64', 'bool'] },
    },
    required: ['to'],
    additionalProperties: false,
  },

  infer(args: TensorType[], params: CastParams, _ctx: InferContext): InferResult {
    const x = args[0];
    if (x.dtype === 'str') {
      return { error: `cast cannot convert strings to numbers, got ${formatType(x)}`, arg: 0 };
    }
    return { dtype: params.to as DType, dims: x.dims.slice() };
  },

  kernel(args: Tensor[], params: CastParams): Tensor {
    const x = args[0];
    if (x.dtype === 'str') throw new KernelError(NAME, 'cannot convert strings to numbers');
    return { dtype: params.to, data: convert(x, params.to), dims: x.dims.slice() };
  },
};
