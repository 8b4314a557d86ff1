import { allocData, type Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { featureAxis, requireFloat, requireRowsAndAxis } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type StandardizeParams = { mean: number | number[]; std: number | number[]; axis: number };

const NAME = 'standardize';

/** A scalar or one value per feature (a list as long as the last axis). */
function scalarOrList(description: string, item: Record<string, unknown>, dflt: number) {
  return {
    description,
    default: dflt,
    anyOf: [item, { type: 'array', items: item, minItems: 1 }],
  };
}

/**
 * `(x - mean) / std`, the transform of scikit-learn's `StandardScaler` with its fitted `mean_` and
 * `scale_` written in the graph. For f32 each step rounds to f32, as numpy does on a float32 array
 * with float32 parameters, so results match a numpy reference bit for bit.
 */
export const standardize: OpSpec<StandardizeParams> = {
  name: NAME,
  summary: 'Subtract a mean and divide by a standard deviation, per feature or for all of them.',
  doc: [
    'Computes `(x - mean) / std` elementwise. `mean` and `std` are each either one number for every',
    'element, or a list with one value per feature: its length must equal the dim of `x` at `axis`',
    '(default -1, the last; then `x` needs rank 2 or more, rows first). Paste `StandardScaler.mean_`',
    'and `.scale_` here. With `axis: 1` on `f32[rows, 3, h, w]` pixels from `to_tensor` it is',
    "torchvision's `Normalize(mean, std)`: one mean and std per channel. (That transform is named",
    "`standardize` here because `normalize` is scikit-learn's `Normalizer`, scaling rows to unit norm.)",
    '',
    '**Type rule.** `x` is f32 or f64; the result has the type of `x`. A list fixes a symbolic or',
    'unknown dim at `axis` to its length; a list whose length differs from a known dim is an error.',
    '`axis` counts from 0 (the rows, which it may not be) or from the end when negative. `std` must be > 0.',
    '',
    '**Precision.** For f32, `x - mean` and the division each round to f32 (numpy on float32 data).',
    '',
    '**NaN.** NaN in `x` stays NaN; ±inf follows IEEE arithmetic.',
  ].join('\n'),
  example: 'node scaled = standardize(tx, mean: 0.0, std: 1.0)',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      mean: scalarOrList('Value subtracted: one number, or one per feature (last axis).', { type: 'number' }, 0),
      std: scalarOrList('Divisor, > 0: one number, or one per feature (last axis).', { type: 'number', exclusiveMinimum: 0 }, 1),
      axis: {
        description: 'The feature axis per-feature lists run along: -1 the last, 1 the channels of nchw pixels.',
        type: 'integer',
        default: -1,
      },
    },
    additionalProperties: false,
  },

  infer(args: TensorType[], params: StandardizeParams, ctx: InferContext): InferResult {
    const bad = requireFloat(NAME, args, 0);
    if (bad) return bad;
    const x = args[0];
    const lens: Array<[string, number]> = [];
    if (Array.isArray(params.mean)) lens.push(['mean', params.mean.length]);
    if (Array.isArray(params.std)) lens.push(['std', params.std.length]);
    const dims = x.dims.slice();
    if (lens.length === 0) return { dtype: x.dtype, dims };
    const [param, len] = lens[0];
    if (lens.length === 2 && lens[1][1] !== len) {
      return { error: `standardize has ${len} means but ${lens[1][1]} stds; give one of each per feature`, param: 'std' };
    }
    const rows = requireRowsAndAxis(NAME, args, 0);
    if (rows) return { error: `${rows.error}; a per-feature ${param} list needs a feature axis`, param };
    const axis = featureAxis(params.axis, dims.length);
    if (axis === null) {
      return {
        error: `axis ${params.axis} is not a feature axis of ${formatType(x)}: use 1..${dims.length - 1} or -1..-${dims.length - 1} (axis 0 is the rows)`,
        param: 'axis',
      };
    }
    if (typeof dims[axis] === 'number' && dims[axis] !== len) {
      return {
        error:
          `standardize got ${len} values for ${param} but ${formatType(x)} has ${dims[axis]} features ` +
          `at axis ${params.axis}; give one value per feature, or a single number`,
        param,
      };
    }
    dims[axis] = ctx.sameDim(dims[axis], len, 0, 0);
    return { dtype: x.dtype, dims };
  },

  kernel(args: Tensor[], params: StandardizeParams): Tensor {
    const x = args[0];
    if (x.dtype !== 'f32' && x.dtype !== 'f64') throw new KernelError(NAME, `needs f32 or f64, got ${x.dtype}`);
    const src = x.data as Float32Array | Float64Array;
    const n = src.length;
    const isF32 = x.dtype === 'f32';
    const out = allocData(x.dtype, n) as Float32Array | Float64Array;
    const perFeature = Array.isArray(params.mean) || Array.isArray(params.std);
    if (!perFeature) {
      const m = isF32 ? Math.fround(params.mean as number) : (params.mean as number);
      const s = isF32 ? Math.fround(params.std as number) : (params.std as number);
      if (isF32) for (let i = 0; i < n; i++) out[i] = Math.fround(src[i] - m) / s;
      else for (let i = 0; i < n; i++) out[i] = (src[i] - m) / s;
      return { dtype: x.dtype, data: out, dims: x.dims.slice() };
    }
    const axis = featureAxis(params.axis ?? -1, x.dims.length);
    const k = axis === null ? -1 : x.dims[axis];
    const len = Array.isArray(params.mean) ? params.mean.length : (params.std as number[]).length;
    if (axis === null || k !== len) {
      throw new KernelError(NAME, `got ${len} values per feature but the input has shape [${x.dims.join(', ')}]`);
    }
    // Expand scalars to per-feature vectors once; rounded to f32 up front like numpy's float32 params.
    const m = new Float64Array(k);
    const s = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const mj = Array.isArray(params.mean) ? params.mean[j] : params.mean;
      const sj = Array.isArray(params.std) ? params.std[j] : params.std;
      m[j] = isF32 ? Math.fround(mj) : mj;
      s[j] = isF32 ? Math.fround(sj) : sj;
    }
    // Elements are [outer][k][inner] around the axis; inner is 1 for the last axis.
    let inner = 1;
    for (let a = axis + 1; a < x.dims.length; a++) inner *= x.dims[a];
    const outer = k * inner === 0 ? 0 : n / (k * inner);
    for (let r = 0, i = 0; r < outer; r++) {
      for (let j = 0; j < k; j++) {
        const mj = m[j];
        const sj = s[j];
        if (isF32) for (let t = 0; t < inner; t++, i++) out[i] = Math.fround(src[i] - mj) / sj;
        else for (let t = 0; t < inner; t++, i++) out[i] = (src[i] - mj) / sj;
      }
    }
    return { dtype: x.dtype, data: out, dims: x.dims.slice() };
  },
};
