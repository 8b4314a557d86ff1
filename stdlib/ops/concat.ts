import { allocData, sizeOf, type Tensor } from '../types.ts';
import { formatType, type Dim, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { copyRange } from './tensor-copy.ts';
import { unifyDTypes } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ConcatParams = Record<string, never>;

const NAME = 'concat';

/** A rank-1 tensor holds one value per row: it joins as a column, `[rows]` → `[rows, 1]`. */
function asColumns(dims: readonly Dim[]): Dim[] {
  return dims.length === 1 ? [dims[0], 1] : dims.slice();
}

/**
 * Join tensors along the last axis. Rank-1 inputs are per-row scalars and join as one column each,
 * so `concat(score_a, score_b)` of two `f32[batch]` gives `f32[batch, 2]`.
 */
export const concat: OpSpec<ConcatParams> = {
  name: NAME,
  summary: 'Join tensors along the last axis (rank-1 inputs join as one column each).',
  doc: [
    'Joins its arguments side by side along the last axis: `f32[batch, 3]` and `f32[batch, 2]` give',
    '`f32[batch, 5]`. A rank-1 argument holds one value per row and is treated as `[rows, 1]`, so',
    '`concat(a, b)` of two `f32[batch]` scores is `f32[batch, 2]`.',
    '',
    '**Type rule.** Two or more tensors of one dtype (str and bool included); f32 with f64 gives f64,',
    'any other mix is an error with a cast hint. After the rank-1 rule all arguments have the same',
    'rank (≥ 2) and every dim but the last unifies (`batch` with `batch`, `?` with anything). The',
    "result's last dim is the sum of the arguments' when all are known, otherwise unknown (`?`).",
    '',
    '**NaN.** Values are copied unchanged (f32 widened to f64 exactly when mixed).',
  ].join('\n'),
  example: 'node features = concat(tx, score_v1, score_v2)',
  arity: { min: 2, max: Infinity },
  params: { type: 'object', properties: {}, additionalProperties: false },

  infer(args: TensorType[], _params: ConcatParams, ctx: InferContext): InferResult {
    const dtype = unifyDTypes(NAME, args);
    if (typeof dtype !== 'string') return dtype;
    const shapes = args.map((a) => asColumns(a.dims));
    for (let i = 0; i < args.length; i++) {
      if (args[i].dims.length === 0) {
        return { error: `concat needs tensors with rows, got the scalar ${formatType(args[i])} as argument ${i + 1}`, arg: i };
      }
      if (shapes[i].length !== shapes[0].length) {
        return {
          error:
            `concat needs tensors of the same rank, got ${formatType(args[0])} (argument 1) and ` +
            `${formatType(args[i])} (argument ${i + 1}); a rank-1 tensor counts as [rows, 1]`,
          arg: i,
        };
      }
    }
    const dims = shapes[0].slice();
    const last = dims.length - 1;
    let total: number | null = 0;
    for (let i = 0; i < shapes.length; i++) {
      const d = shapes[i][last];
      total = total !== null && typeof d === 'number' ? total + d : null;
      if (i === 0) continue;
      for (let a = 0; a < last; a++) dims[a] = ctx.sameDim(dims[a], shapes[i][a], 0, i);
    }
    dims[last] = total;
    return { dtype, dims };
  },

  kernel(args: Tensor[], _params: ConcatParams): Tensor {
    const first = args[0];
    let dtype = first.dtype;
    for (const a of args) {
      if (a.dtype === dtype) continue;
      if ((a.dtype === 'f32' || a.dtype === 'f64') && (dtype === 'f32' || dtype === 'f64')) dtype = 'f64';
      else throw new KernelError(NAME, `cannot join ${dtype} with ${a.dtype}`);
    }
    const shapes = args.map((a) => asColumns(a.dims) as number[]);
    const lead = shapes[0].slice(0, -1);
    const rows = sizeOf(lead);
    let total = 0;
    for (let i = 0; i < args.length; i++) {
      const s = shapes[i];
      const same = s.length === lead.length + 1 && lead.every((d, a) => d === s[a]);
      if (!same) {
        throw new KernelError(NAME, `argument ${i + 1} has shape [${args[i].dims.join(', ')}], argument 1 has [${first.dims.join(', ')}]`);
      }
      total += s[s.length - 1];
    }
    const out = allocData(dtype, rows * total);
    let offset = 0;
    for (let i = 0; i < args.length; i++) {
      const k = shapes[i][shapes[i].length - 1];
      const src = args[i].data;
      for (let r = 0; r < rows; r++) copyRange(src, r * k, out, r * total + offset, k);
      offset += k;
    }
    return { dtype, data: out, dims: [...lead, total] };
  },
};
