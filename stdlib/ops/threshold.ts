import type { Tensor } from '../types.ts';
import type { TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { requireArithmetic } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ThresholdParams = { at: number };

const NAME = 'threshold';

/**
 * `x >= at` as an i64 0/1 label: the same `>=` convention as the binary comparison metrics, so a
 * thresholded score here and the metrics' own thresholding agree on a score exactly at `at`.
 */
export const threshold: OpSpec<ThresholdParams> = {
  name: NAME,
  summary: 'i64 1 where x >= at, else 0.',
  doc: [
    'Turns scores into 0/1 decisions: `1` where `x >= at`, else `0`, as an i64 tensor of the same',
    'shape. A score exactly at `at` gives 1, the convention of the binary comparison metrics.',
    '',
    '**Type rule.** `x` is f32, f64, i32 or i64, any shape; the result is i64 with the same dims.',
    '',
    '**Precision.** For f32 scores `at` is rounded to f32 first and compared in f32, as numpy',
    '(`float32_array >= 0.7` is true for the f32 nearest to 0.7, which is slightly below 0.7).',
    'i64 values are compared exactly.',
    '',
    '**NaN.** NaN is not >= anything: it gives 0.',
  ].join('\n'),
  example: 'node decision = threshold(score, at: 0.5)',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      at: { description: 'Values >= at become 1, others 0.', type: 'number', default: 0.5 },
    },
    additionalProperties: false,
  },

  infer(args: TensorType[], _params: ThresholdParams, _ctx: InferContext): InferResult {
    const bad = requireArithmetic(NAME, args, 0);
    if (bad) return bad;
    return { dtype: 'i64', dims: args[0].dims.slice() };
  },

  kernel(args: Tensor[], params: ThresholdParams): Tensor {
    const x = args[0];
    const n = x.data.length;
    const out = new BigInt64Array(n);
    if (x.dtype === 'i64') {
      // For an integer v, v >= at exactly when v >= ceil(at): compare as BigInt, no rounding.
      const at = BigInt(Math.ceil(params.at));
      const src = x.data as BigInt64Array;
      for (let i = 0; i < n; i++) out[i] = src[i] >= at ? 1n : 0n;
    } else {
      if (x.dtype === 'str' || x.dtype === 'bool') throw new KernelError(NAME, `needs a numeric tensor, got ${x.dtype}`);
      const at = x.dtype === 'f32' ? Math.fround(params.at) : params.at;
      const src = x.data as Float32Array | Float64Array | Int32Array;
      for (let i = 0; i < n; i++) out[i] = src[i] >= at ? 1n : 0n;
    }
    return { dtype: 'i64', data: out, dims: x.dims.slice() };
  },
};
