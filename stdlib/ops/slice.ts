import { allocData, type Tensor } from '../types.ts';
import { formatType, type Dim, type TensorType } from '../../plan/tensor-type.ts';
import { lastAxis } from './last-axis.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { copyRange, type ElementArray } from './tensor-copy.ts';
import { featureAxis, requireRowsAndAxis } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type SliceParams = { start?: number; end?: number; step: number; axis: number };

const NAME = 'slice';

/** A resolved Python slice over an axis of length n: positions start, start + step, ... (count of them). */
export interface SliceRange {
  start: number;
  step: number;
  count: number;
}

/**
 * Python's `slice(start, end, step).indices(n)` followed by `len(range(...))`: out-of-range bounds
 * clamp, negative bounds count from the end, an omitted bound means "from the edge" in the
 * direction of `step`. Invariant: `step !== 0`, `n >= 0`; every position produced is in `[0, n)`.
 */
export function resolveSlice(n: number, start: number | undefined, end: number | undefined, step: number): SliceRange {
  const lower = step > 0 ? 0 : -1;
  const upper = step > 0 ? n : n - 1;
  const clamp = (v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    const w = v < 0 ? v + n : v;
    return w < lower ? lower : w > upper ? upper : w;
  };
  const s = clamp(start, step > 0 ? lower : upper);
  const e = clamp(end, step > 0 ? upper : lower);
  const count = step > 0 ? (s < e ? Math.ceil((e - s) / step) : 0) : e < s ? Math.ceil((s - e) / -step) : 0;
  return { start: s, step, count };
}

/**
 * Python slicing of one feature axis (the last by default). When that dim is unknown or symbolic the
 * result's dim is unknown, except for slices that keep the whole axis.
 */
export const slice: OpSpec<SliceParams> = {
  name: NAME,
  summary: 'Python-style slice start:end:step of the last axis, or of any feature axis with axis:.',
  doc: [
    "Keeps positions `start`, `start + step`, ... before `end` of the last axis, exactly as Python's",
    '`x[..., start:end:step]`: negative bounds count from the end, bounds past the edge clamp, an',
    'omitted bound means the edge in the direction of `step`, and a negative `step` walks backwards',
    '(`slice(x, step: -1)` reverses the features). `axis` picks another axis: `slice(frames, end: 24,',
    'axis: 1)` keeps the first 24 frames of `f32[batch, 25, 96]` (`x[:, :24, :]`), which bridges two',
    'models that take different numbers of frames. Axis 0 is the rows and cannot be sliced.',
    '',
    '**Type rule.** `x` has any dtype (str included) and rank 2 or more; the result keeps the dtype.',
    "The sliced dim is computed when the input's dim is a number; otherwise it is unknown (`?`),",
    'except that a slice keeping the whole axis keeps the dim. `step` must not be 0; `axis` counts',
    'from 0 (the rows, refused) or from the end when negative.',
    '',
    '**NaN.** Values are copied unchanged.',
  ].join('\n'),
  example: 'node first_ten = slice(features, start: 0, end: 10)',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      start: { description: 'First position (negative counts from the end); omitted: the edge where step starts.', type: 'integer' },
      end: { description: 'Position to stop before (negative counts from the end); omitted: the far edge.', type: 'integer' },
      step: { description: 'Stride, not 0; negative walks backwards.', type: 'integer', not: { const: 0 }, default: 1 },
      axis: { description: 'The axis sliced: -1 the last (default), 1 the first after the rows.', type: 'integer', default: -1 },
    },
    additionalProperties: false,
  },

  infer(args: TensorType[], params: SliceParams, _ctx: InferContext): InferResult {
    const bad = requireRowsAndAxis(NAME, args, 0);
    if (bad) return bad;
    if (params.step === 0) return { error: 'slice step must not be 0', param: 'step' };
    const dims = args[0].dims.slice();
    const last = featureAxis(params.axis, dims.length);
    if (last === null) {
      return {
        error: `axis ${params.axis} is not a feature axis of ${formatType(args[0])}: use 1..${dims.length - 1} or -1..-${dims.length - 1} (axis 0 is the rows)`,
        param: 'axis',
      };
    }
    const n = dims[last];
    let out: Dim;
    if (typeof n === 'number') out = resolveSlice(n, params.start, params.end, params.step).count;
    else if (params.step === 1 && (params.start ?? 0) === 0 && params.end === undefined) out = n;
    else out = null;
    dims[last] = out;
    return { dtype: args[0].dtype, dims };
  },

  kernel(args: Tensor[], params: SliceParams): Tensor {
    const x = args[0];
    const axis = featureAxis(params.axis ?? -1, x.dims.length);
    if (axis !== null && axis !== x.dims.length - 1) return sliceInner(x, axis, params);
    const { rows, k } = lastAxis(NAME, x.dims);
    const { start, step, count } = resolveSlice(k, params.start, params.end, params.step);
    const out = allocData(x.dtype, rows * count);
    if (step === 1) {
      for (let r = 0; r < rows; r++) copyRange(x.data, r * k + start, out, r * count, count);
    } else {
      const src = x.data as ElementArray;
      const dst = out as ElementArray;
      for (let r = 0, o = 0; r < rows; r++) {
        for (let t = 0, i = r * k + start; t < count; t++, i += step) dst[o++] = src[i];
      }
    }
    const dims = x.dims.slice();
    dims[dims.length - 1] = count;
    return { dtype: x.dtype, data: out, dims };
  },
};

/** Slice axis `axis` (not the last): elements are [outer][k][inner]; each kept position copies `inner` elements. */
function sliceInner(x: Tensor, axis: number, params: SliceParams): Tensor {
  const k = x.dims[axis];
  let inner = 1;
  for (let a = axis + 1; a < x.dims.length; a++) inner *= x.dims[a];
  let outer = 1;
  for (let a = 0; a < axis; a++) outer *= x.dims[a];
  const { start, step, count } = resolveSlice(k, params.start, params.end, params.step);
  const out = allocData(x.dtype, outer * count * inner);
  for (let o = 0, dst = 0; o < outer; o++) {
    for (let t = 0, p = start; t < count; t++, p += step, dst += inner) copyRange(x.data, (o * k + p) * inner, out, dst, inner);
  }
  const dims = x.dims.slice();
  dims[axis] = count;
  return { dtype: x.dtype, data: out, dims };
}
