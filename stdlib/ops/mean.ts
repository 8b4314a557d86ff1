import { allocData, sizeOf, type Tensor } from '../types.ts';
import type { DType, TensorType } from '../../plan/tensor-type.ts';
import { broadcastIndex, broadcastShape, sameShape } from './broadcast.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { broadcastDims, requireFloat, unifyDTypes } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type MeanParams = Record<string, never>;

const NAME = 'mean';

/**
 * Elementwise average of two or more tensors — the ensemble of several models' scores. Sums in
 * f64 and divides once, so averaging many f32 scores does not accumulate f32 rounding.
 */
export const mean: OpSpec<MeanParams> = {
  name: NAME,
  summary: 'Elementwise average of two or more tensors (ensembles), with broadcasting.',
  doc: [
    'Averages its arguments elementwise: `mean(p1, p2, p3)` is `(p1 + p2 + p3) / 3`, the usual',
    'ensemble of model scores. Shapes broadcast as in `add` (`[batch, 2]` with `[batch, 1]` gives',
    '`[batch, 2]`).',
    '',
    '**Type rule.** Two or more f32/f64 tensors (integers are an error with a cast hint); all f32',
    'gives f32, any f64 gives f64. Equal ranks; per axis sizes are equal or 1, symbolic dims unify.',
    '',
    '**Precision.** The sum is accumulated in f64 and divided once, then rounded to the result width',
    "(for two f32 arguments this equals numpy's f32 `(a + b) / 2` except where that overflows).",
    '',
    '**NaN.** NaN in any argument gives NaN at that position (as numpy.mean); inf + -inf is NaN.',
  ].join('\n'),
  example: 'node ensemble = mean(column(p1, index: 1), column(p2, index: 1))',
  arity: { min: 2, max: Infinity },
  params: { type: 'object', properties: {}, additionalProperties: false },

  infer(args: TensorType[], _params: MeanParams, ctx: InferContext): InferResult {
    for (let i = 0; i < args.length; i++) {
      const bad = requireFloat(NAME, args, i);
      if (bad) return bad;
    }
    if (args.length < 2) return { error: 'mean needs two or more tensors to average', arg: 0 };
    const dtype = unifyDTypes(NAME, args);
    if (typeof dtype !== 'string') return dtype;
    const dims = broadcastDims(NAME, args, ctx);
    if (!Array.isArray(dims)) return dims;
    return { dtype, dims };
  },

  kernel(args: Tensor[], _params: MeanParams): Tensor {
    let dtype: DType = 'f32';
    for (const a of args) {
      if (a.dtype === 'f64') dtype = 'f64';
      else if (a.dtype !== 'f32') throw new KernelError(NAME, `needs f32 or f64 tensors, got ${a.dtype}`);
    }
    const dims = broadcastShape(NAME, args);
    const n = sizeOf(dims);
    const out = allocData(dtype, n) as Float32Array | Float64Array;
    // f64 output doubles as the accumulator; f32 output needs an f64 one to round only once.
    const acc = dtype === 'f64' ? (out as Float64Array) : new Float64Array(n);
    for (const a of args) {
      const src = a.data as Float32Array | Float64Array;
      if (sameShape(a.dims, dims)) {
        for (let i = 0; i < n; i++) acc[i] += src[i];
      } else {
        const idx = broadcastIndex(a.dims, dims);
        for (let i = 0; i < n; i++) acc[i] += src[idx[i]];
      }
    }
    const k = args.length;
    for (let i = 0; i < n; i++) out[i] = acc[i] / k;
    return { dtype, data: out, dims };
  },
};
