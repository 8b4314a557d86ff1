import { allocData, type Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { isIntDType, requireArithmetic } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ClipParams = { min?: number; max?: number };

const NAME = 'clip';

/** Limit values to `[min, max]`, as `numpy.clip`; either bound may be left open. */
export const clip: OpSpec<ClipParams> = {
  name: NAME,
  summary: 'Limit values to [min, max] (either bound may be omitted, not both).',
  doc: [
    'Replaces values below `min` by `min` and above `max` by `max`, as `numpy.clip`. At least one',
    'bound is required; an omitted one is open.',
    '',
    '**Type rule.** `x` is f32, f64, i32 or i64, any shape; the result has its type. For integer',
    'tensors the bounds must be integers (no silent promotion to float); `min` must not exceed `max`.',
    'For f32 the bounds are rounded to f32 first, as numpy does.',
    '',
    '**NaN.** NaN stays NaN (as numpy.clip).',
  ].join('\n'),
  example: 'node capped = clip(amount, min: 0.0, max: 10000.0)',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      min: { description: 'Lower bound; omitted: no lower bound.', type: 'number' },
      max: { description: 'Upper bound; omitted: no upper bound.', type: 'number' },
    },
    anyOf: [{ required: ['min'] }, { required: ['max'] }],
    additionalProperties: false,
  },

  infer(args: TensorType[], params: ClipParams, _ctx: InferContext): InferResult {
    const bad = requireArithmetic(NAME, args, 0);
    if (bad) return bad;
    const x = args[0];
    if (params.min === undefined && params.max === undefined) {
      return { error: 'clip needs a bound: give min:, max: or both', param: 'min' };
    }
    if (params.min !== undefined && params.max !== undefined && params.min > params.max) {
      return { error: `clip min (${params.min}) is greater than max (${params.max})`, param: 'min' };
    }
    if (isIntDType(x.dtype)) {
      for (const p of ['min', 'max'] as const) {
        const v = params[p];
        if (v === undefined) continue;
        if (!Number.isInteger(v)) {
          return {
            error: `clip of ${formatType(x)} needs an integer ${p}, got ${v}; cast x to a float first: cast(x, to: "f64")`,
            param: p,
          };
        }
        const [lo, hi, range] =
          x.dtype === 'i32'
            ? [-(2 ** 31), 2 ** 31, '-2147483648 to 2147483647']
            : [-(2 ** 63), 2 ** 63, '-9223372036854775808 to 9223372036854775807'];
        if (v < lo || v >= hi) {
          return { error: `clip ${p} ${v} is outside the range of ${x.dtype} (${range})`, param: p };
        }
      }
    }
    return { dtype: x.dtype, dims: x.dims.slice() };
  },

  kernel(args: Tensor[], params: ClipParams): Tensor {
    const x = args[0];
    const n = x.data.length;
    if (x.dtype === 'i64') {
      const src = x.data as BigInt64Array;
      const out = new BigInt64Array(n);
      const hasLo = params.min !== undefined;
      const hasHi = params.max !== undefined;
      const lo = hasLo ? BigInt(params.min as number) : 0n;
      const hi = hasHi ? BigInt(params.max as number) : 0n;
      for (let i = 0; i < n; i++) {
        const v = src[i];
        out[i] = hasLo && v < lo ? lo : hasHi && v > hi ? hi : v;
      }
      return { dtype: 'i64', data: out, dims: x.dims.slice() };
    }
    if (x.dtype === 'str' || x.dtype === 'bool') throw new KernelError(NAME, `needs a numeric tensor, got ${x.dtype}`);
    const src = x.data as Float32Array | Float64Array | Int32Array;
    const out = allocData(x.dtype, n) as Float32Array | Float64Array | Int32Array;
    const round = x.dtype === 'f32' ? Math.fround : (v: number) => v;
    const lo = params.min === undefined ? -Infinity : round(params.min);
    const hi = params.max === undefined ? Infinity : round(params.max);
    if (lo !== 0 && hi !== 0) {
      // Branch-free (about twice as fast on scaled features): Math.max/min keep NaN, and give the same value
      // as the comparisons below whenever no bound is a zero (with a zero bound they would turn -0 into 0).
      for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(src[i], lo), hi);
    } else {
      // Comparisons with NaN are false, so NaN passes through unchanged.
      for (let i = 0; i < n; i++) {
        const v = src[i];
        out[i] = v < lo ? lo : v > hi ? hi : v;
      }
    }
    return { dtype: x.dtype, data: out, dims: x.dims.slice() };
  },
};
