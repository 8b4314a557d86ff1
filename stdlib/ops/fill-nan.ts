import { allocData, type Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type FillNanParams = { value: number };

const NAME = 'fill_nan';

/** Replace NaN by a number; infinities are left alone (unlike `numpy.nan_to_num`). */
export const fillNan: OpSpec<FillNanParams> = {
  name: NAME,
  summary: 'Replace NaN values by a number.',
  doc: [
    'Replaces every NaN by `value` (default 0); other values, ±inf included, are unchanged. This is',
    '`numpy.where(numpy.isnan(x), value, x)`, not `nan_to_num` (which also replaces infinities).',
    '',
    '**Type rule.** `x` is f32 or f64, any shape; the result has its type (`value` is rounded to f32',
    'for f32). Integer and bool tensors cannot hold NaN, so passing one is an error.',
    '',
    '**NaN.** Every NaN becomes `value`; that is the point.',
  ].join('\n'),
  example: 'node amount_clean = fill_nan(amount, value: 0.0)',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      value: { description: 'The number that replaces NaN.', type: 'number', default: 0 },
    },
    additionalProperties: false,
  },

  infer(args: TensorType[], _params: FillNanParams, _ctx: InferContext): InferResult {
    const x = args[0];
    if (x.dtype !== 'f32' && x.dtype !== 'f64') {
      const why = x.dtype === 'str' ? 'strings are not numbers' : 'only f32 and f64 can hold NaN, so there is nothing to fill';
      return { error: `fill_nan needs a float tensor, got ${formatType(x)}: ${why}`, arg: 0 };
    }
    return { dtype: x.dtype, dims: x.dims.slice() };
  },

  kernel(args: Tensor[], params: FillNanParams): Tensor {
    const x = args[0];
    if (x.dtype !== 'f32' && x.dtype !== 'f64') throw new KernelError(NAME, `needs f32 or f64, got ${x.dtype}`);
    const src = x.data as Float32Array | Float64Array;
    const n = src.length;
    const out = allocData(x.dtype, n) as Float32Array | Float64Array;
    const value = params.value;
    for (let i = 0; i < n; i++) {
      const v = src[i];
      out[i] = v !== v ? value : v;
    }
    return { dtype: x.dtype, data: out, dims: x.dims.slice() };
  },
};
