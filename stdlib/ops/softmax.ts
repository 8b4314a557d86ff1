import { allocData, type Tensor } from '../types.ts';
import type { TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import { lastAxis } from './last-axis.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { requireFloat, requireRowsAndAxis } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type SoftmaxParams = Record<string, never>;

const NAME = 'softmax';

/**
 * Softmax along the last axis, stabilised by subtracting the row maximum (so large logits do not
 * overflow `exp`). Computed in f64 and rounded once to the input width.
 */
export const softmax: OpSpec<SoftmaxParams> = {
  name: NAME,
  summary: 'Turn each row of logits into probabilities (softmax along the last axis).',
  doc: [
    'For each row (the last axis): `exp(x - max(x)) / Σ exp(x - max(x))`. Subtracting the row',
    'maximum keeps `exp` from overflowing, so logits of 1000 work. Same as `scipy.special.softmax(x, axis=-1)`.',
    '',
    '**Type rule.** `x` is f32 or f64 with rank 2 or more (rows first); the result has its type.',
    '',
    '**Precision.** Computed in f64, rounded once to the input width.',
    '',
    '**NaN.** A NaN in a row makes the whole row NaN. A row containing +inf, or a row that is all',
    '-inf, is NaN too (inf - inf); a -inf element among finite ones gets probability 0. Same as scipy.',
  ].join('\n'),
  example: 'node probs = softmax(logits)',
  arity: { min: 1, max: 1 },
  params: { type: 'object', properties: {}, additionalProperties: false },

  infer(args: TensorType[], _params: SoftmaxParams, _ctx: InferContext): InferResult {
    const bad = requireFloat(NAME, args, 0) ?? requireRowsAndAxis(NAME, args, 0);
    if (bad) return bad;
    return { dtype: args[0].dtype, dims: args[0].dims.slice() };
  },

  kernel(args: Tensor[], _params: SoftmaxParams): Tensor {
    const x = args[0];
    if (x.dtype !== 'f32' && x.dtype !== 'f64') throw new KernelError(NAME, `needs f32 or f64, got ${x.dtype}`);
    const src = x.data as Float32Array | Float64Array;
    const out = allocData(x.dtype, src.length) as Float32Array | Float64Array;
    const { rows, k } = lastAxis(NAME, x.dims);
    // exp values kept in f64 until the division, so f32 outputs round once.
    const e = new Float64Array(k);
    for (let r = 0; r < rows; r++) {
      const base = r * k;
      let max = -Infinity;
      for (let j = 0; j < k; j++) {
        const v = src[base + j];
        if (v > max) max = v;
        else if (v !== v) {
          max = NaN;
          break;
        }
      }
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const v = Math.exp(src[base + j] - max);
        e[j] = v;
        sum += v;
      }
      for (let j = 0; j < k; j++) out[base + j] = e[j] / sum;
    }
    return { dtype: x.dtype, data: out, dims: x.dims.slice() };
  },
};
