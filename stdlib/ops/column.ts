import { allocData, sizeOf, type Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import { lastAxis } from './last-axis.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import type { ElementArray } from './tensor-copy.ts';
import { requireRowsAndAxis } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ColumnParams = { index: number };

const NAME = 'column';

/**
 * One position of the last axis, which is dropped: `column(p, index: 1)` turns the `[batch, 2]`
 * probabilities of a binary classifier into the `[batch]` score of the positive class.
 */
export const column: OpSpec<ColumnParams> = {
  name: NAME,
  summary: 'Select one position along the last axis, dropping that axis.',
  doc: [
    'Picks position `index` of the last axis for every row: `f32[batch, 2]` → `f32[batch]`.',
    'A negative index counts from the end (`-1` is the last), as in Python.',
    '',
    '**Type rule.** `x` has any dtype (str included) and rank 2 or more; the result keeps the dtype',
    'and drops the last dim. When the last dim is known, an index outside `[-n, n)` is an error;',
    'otherwise it is checked when the graph runs.',
    '',
    '**NaN.** Values are copied unchanged.',
  ].join('\n'),
  example: 'node score = column(probabilities, index: 1)',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      index: { description: 'Position along the last axis; negative counts from the end.', type: 'integer' },
    },
    required: ['index'],
    additionalProperties: false,
  },

  infer(args: TensorType[], params: ColumnParams, _ctx: InferContext): InferResult {
    const bad = requireRowsAndAxis(NAME, args, 0);
    if (bad) return bad;
    const dims = args[0].dims;
    const n = dims[dims.length - 1];
    if (typeof n === 'number' && (params.index >= n || params.index < -n)) {
      const valid = n === 0 ? 'it has no positions' : `valid indexes are 0..${n - 1} (or -${n}..-1 from the end)`;
      return { error: `column index ${params.index} is out of range for ${formatType(args[0])}: ${valid}`, param: 'index' };
    }
    return { dtype: args[0].dtype, dims: dims.slice(0, -1) };
  },

  kernel(args: Tensor[], params: ColumnParams): Tensor {
    const x = args[0];
    const { k } = lastAxis(NAME, x.dims);
    const j = params.index < 0 ? params.index + k : params.index;
    const outDims = x.dims.slice(0, -1);
    const rows = sizeOf(outDims);
    if (j < 0 || j >= k) {
      throw new KernelError(NAME, `index ${params.index} is out of range for shape [${x.dims.join(', ')}]`);
    }
    const out = allocData(x.dtype, rows);
    const src = x.data as ElementArray;
    const dst = out as ElementArray;
    for (let r = 0; r < rows; r++) dst[r] = src[r * k + j];
    return { dtype: x.dtype, data: out, dims: outDims };
  },
};
