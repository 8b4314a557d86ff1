import { allocData, type Tensor } from '../types.ts';
import type { TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import { lastAxis } from './last-axis.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { requireFloat, requireRowsAndAxis } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type NormalizeParams = { norm: 'l2' | 'l1' | 'max' };

const NAME = 'normalize';

/**
 * Scale each row (last axis) to unit norm, as scikit-learn's `Normalizer`: a row whose norm is 0
 * stays all zeros instead of becoming NaN. Norms accumulate in f64 whatever the input width.
 */
export const normalize: OpSpec<NormalizeParams> = {
  name: NAME,
  summary: 'Scale each row to unit norm (l2, l1 or max) along the last axis.',
  doc: [
    'Divides every row (the last axis) by its norm: `l2` = sqrt(Σ x²), `l1` = Σ |x|,',
    "`max` = max |x|, as scikit-learn's `Normalizer`. A row whose norm is 0 is left as zeros.",
    '',
    '**Type rule.** `x` is f32 or f64 with rank 2 or more (rows first); the result has its type.',
    '',
    '**Precision.** The norm is accumulated in f64 (scikit-learn uses the input width for f32, so',
    'f32 results may differ from it in the last bit, and do not overflow where it would).',
    '',
    '**NaN.** A NaN anywhere in a row makes the norm NaN, so the whole row becomes NaN (as numpy).',
    'An infinite element makes the norm infinite: finite elements become 0, infinite ones NaN.',
  ].join('\n'),
  example: 'node unit = normalize(embedding, norm: "l2")',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      norm: { description: 'Which norm each row is scaled to 1 by.', enum: ['l2', 'l1', 'max'], default: 'l2' },
    },
    additionalProperties: false,
  },

  infer(args: TensorType[], _params: NormalizeParams, _ctx: InferContext): InferResult {
    const bad = requireFloat(NAME, args, 0) ?? requireRowsAndAxis(NAME, args, 0);
    if (bad) return bad;
    return { dtype: args[0].dtype, dims: args[0].dims.slice() };
  },

  kernel(args: Tensor[], params: NormalizeParams): Tensor {
    const x = args[0];
    if (x.dtype !== 'f32' && x.dtype !== 'f64') throw new KernelError(NAME, `needs f32 or f64, got ${x.dtype}`);
    const src = x.data as Float32Array | Float64Array;
    const out = allocData(x.dtype, src.length) as Float32Array | Float64Array;
    const { rows, k } = lastAxis(NAME, x.dims);
    const kind = params.norm;
    for (let r = 0; r < rows; r++) {
      const base = r * k;
      let norm = 0;
      if (kind === 'l2') {
        for (let j = 0; j < k; j++) {
          const v = src[base + j];
          norm += v * v;
        }
        norm = Math.sqrt(norm);
      } else if (kind === 'l1') {
        for (let j = 0; j < k; j++) norm += Math.abs(src[base + j]);
      } else {
        for (let j = 0; j < k; j++) {
          const a = Math.abs(src[base + j]);
          // `a > norm` is false for NaN; numpy's max propagates NaN, so test it explicitly.
          if (a > norm) norm = a;
          else if (a !== a) {
            norm = NaN;
            break;
          }
        }
      }
      if (norm === 0) norm = 1;
      for (let j = 0; j < k; j++) out[base + j] = src[base + j] / norm;
    }
    return { dtype: x.dtype, data: out, dims: x.dims.slice() };
  },
};
