import { sizeOf, type Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import { lastAxis } from './last-axis.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { requireNumeric, requireRowsAndAxis } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ArgmaxParams = Record<string, never>;

const NAME = 'argmax';

/**
 * Index of the largest value along the last axis, as numpy's `argmax(x, axis=-1)`: the first index
 * on ties, and the first NaN if the row has one (numpy treats NaN as the maximum).
 */
export const argmax: OpSpec<ArgmaxParams> = {
  name: NAME,
  summary: 'Index (i64) of the largest value along the last axis, dropping that axis.',
  doc: [
    'For each row, the position of its largest element along the last axis, as an i64; the last',
    'axis is dropped (`f32[batch, 3]` → `i64[batch]`). Ties go to the first position.',
    '',
    '**Type rule.** `x` is any numeric dtype (f32, f64, i32, i64, bool) with rank 2 or more;',
    'a known last dim of 0 is an error (an empty row has no maximum).',
    '',
    '**NaN.** As numpy: the first NaN in a row wins (NaN counts as the maximum).',
  ].join('\n'),
  example: 'node predicted_class = argmax(probs)',
  arity: { min: 1, max: 1 },
  params: { type: 'object', properties: {}, additionalProperties: false },

  infer(args: TensorType[], _params: ArgmaxParams, _ctx: InferContext): InferResult {
    const bad = requireNumeric(NAME, args, 0) ?? requireRowsAndAxis(NAME, args, 0);
    if (bad) return bad;
    const dims = args[0].dims;
    if (dims[dims.length - 1] === 0) {
      return { error: `argmax of ${formatType(args[0])} has no value to pick: its last dim is 0`, arg: 0 };
    }
    return { dtype: 'i64', dims: dims.slice(0, -1) };
  },

  kernel(args: Tensor[], _params: ArgmaxParams): Tensor {
    const x = args[0];
    if (x.dtype === 'str') throw new KernelError(NAME, 'needs a numeric tensor, got str');
    const { k } = lastAxis(NAME, x.dims);
    const outDims = x.dims.slice(0, -1);
    const rows = sizeOf(outDims);
    const out = new BigInt64Array(rows);
    if (rows > 0 && k === 0) throw new KernelError(NAME, 'rows have no elements (last dim is 0)');
    if (x.dtype === 'i64') {
      const src = x.data as BigInt64Array;
      for (let r = 0; r < rows; r++) {
        const base = r * k;
        let best = src[base];
        let at = 0;
        for (let j = 1; j < k; j++) {
          const v = src[base + j];
          if (v > best) {
            best = v;
            at = j;
          }
        }
        out[r] = BigInt(at);
      }
    } else {
      const src = x.data as Float32Array | Float64Array | Int32Array | Uint8Array;
      for (let r = 0; r < rows; r++) {
        const base = r * k;
        let best = src[base];
        let at = 0;
        if (best === best) {
          for (let j = 1; j < k; j++) {
            const v = src[base + j];
            if (v > best) {
              best = v;
              at = j;
            } else if (v !== v) {
              at = j;
              break;
            }
          }
        }
        out[r] = BigInt(at);
      }
    }
    return { dtype: 'i64', data: out, dims: outDims };
  },
};
