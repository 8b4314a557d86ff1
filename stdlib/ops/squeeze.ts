import type { Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { cloneData } from './tensor-copy.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type SqueezeParams = Record<string, never>;

const NAME = 'squeeze';

/**
 * Drop a last axis of size 1: `[batch, 1]` → `[batch]`, the inverse of `expand_dims`. Only the
 * last axis is touched, so the rows axis can never be squeezed away by accident.
 */
export const squeeze: OpSpec<SqueezeParams> = {
  name: NAME,
  summary: 'Drop a last axis of size 1 ([batch, 1] → [batch]).',
  doc: [
    'Removes the last axis, which must have size 1: `f32[batch, 1]` → `f32[batch]` (for instance',
    "a regression model's `[batch, 1]` output, so it can be compared as one value per row).",
    '',
    '**Type rule.** Any dtype, rank 2 or more (rows first); the last dim must be `1`, or unknown',
    '(`?`, then checked when the graph runs). A symbolic or other size is an error: use `column`',
    'to pick one position instead.',
    '',
    '**NaN.** Values are copied unchanged.',
  ].join('\n'),
  example: 'node prediction = squeeze(regressor(x: features).variable)',
  arity: { min: 1, max: 1 },
  params: { type: 'object', properties: {}, additionalProperties: false },

  infer(args: TensorType[], _params: SqueezeParams, _ctx: InferContext): InferResult {
    const x = args[0];
    if (x.dims.length < 2) {
      return {
        error: `squeeze drops a last axis of size 1 and needs rank 2 or more, got ${formatType(x)}`,
        arg: 0,
      };
    }
    const last = x.dims[x.dims.length - 1];
    if (last !== 1 && last !== null) {
      return {
        error: `squeeze needs a last dim of 1, got ${formatType(x)}; use column(x, index: 0) to pick one position`,
        arg: 0,
      };
    }
    return { dtype: x.dtype, dims: x.dims.slice(0, -1) };
  },

  kernel(args: Tensor[], _params: SqueezeParams): Tensor {
    const x = args[0];
    if (x.dims.length < 2 || x.dims[x.dims.length - 1] !== 1) {
      throw new KernelError(NAME, `needs a last dim of 1, got shape [${x.dims.join(', ')}]`);
    }
    return { dtype: x.dtype, data: cloneData(x.data), dims: x.dims.slice(0, -1) };
  },
};
