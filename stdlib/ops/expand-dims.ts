import type { Tensor } from '../types.ts';
import type { TensorType } from '../../plan/tensor-type.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { cloneData } from './tensor-copy.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ExpandDimsParams = Record<string, never>;

/**
 * Append an axis of size 1: `[batch]` → `[batch, 1]`. The elements do not move (row-major), so the
 * kernel only copies the storage — a copy rather than a shared buffer so no two edges alias.
 */
export const expandDims: OpSpec<ExpandDimsParams> = {
  name: 'expand_dims',
  summary: 'Append a last axis of size 1 ([batch] → [batch, 1]).',
  doc: [
    'Adds a last axis of size 1: `f32[batch]` → `f32[batch, 1]`. Use it to broadcast a per-row',
    'value against a `[batch, n]` tensor (`mul(x, expand_dims(w))`), or to feed a model that wants',
    'a column.',
    '',
    '**Type rule.** Any dtype and rank; the result has the same dtype and one more dim, `1`.',
    '',
    '**NaN.** Values are copied unchanged.',
  ].join('\n'),
  example: 'node weight_col = expand_dims(weight)',
  arity: { min: 1, max: 1 },
  params: { type: 'object', properties: {}, additionalProperties: false },

  infer(args: TensorType[], _params: ExpandDimsParams, _ctx: InferContext): InferResult {
    return { dtype: args[0].dtype, dims: [...args[0].dims, 1] };
  },

  kernel(args: Tensor[], _params: ExpandDimsParams): Tensor {
    const x = args[0];
    return { dtype: x.dtype, data: cloneData(x.data), dims: [...x.dims, 1] };
  },
};
