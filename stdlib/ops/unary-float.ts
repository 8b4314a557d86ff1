import { allocData, type Tensor } from '../types.ts';
import type { TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { requireFloat } from './type-rules.ts';

/** What distinguishes one elementwise float function (log, exp, sigmoid) from another. */
export interface UnaryFloatDef {
  name: string;
  summary: string;
  doc: string;
  example: string;
  /** The function on one f64 value; the kernel rounds its result to the input width. */
  fn: (x: number) => number;
}

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type UnaryFloatParams = Record<string, never>;

/**
 * An OpSpec for `y = fn(x)` elementwise on f32/f64, any rank, result of the input's type.
 * Each op file supplies its own function and documentation; the loop and the type rule are shared
 * so they cannot drift apart.
 */
export function unaryFloatOp(def: UnaryFloatDef): OpSpec<UnaryFloatParams> {
  const { name, fn } = def;
  return {
    name,
    summary: def.summary,
    doc: def.doc,
    example: def.example,
    arity: { min: 1, max: 1 },
    params: { type: 'object', properties: {}, additionalProperties: false },

    infer(args: TensorType[], _params: UnaryFloatParams, _ctx: InferContext): InferResult {
      const bad = requireFloat(name, args, 0);
      if (bad) return bad;
      return { dtype: args[0].dtype, dims: args[0].dims.slice() };
    },

    kernel(args: Tensor[], _params: UnaryFloatParams): Tensor {
      const x = args[0];
      if (x.dtype !== 'f32' && x.dtype !== 'f64') throw new KernelError(name, `needs f32 or f64, got ${x.dtype}`);
      const src = x.data as Float32Array | Float64Array;
      const n = src.length;
      const out = allocData(x.dtype, n) as Float32Array | Float64Array;
      for (let i = 0; i < n; i++) out[i] = fn(src[i]);
      return { dtype: x.dtype, data: out, dims: x.dims.slice() };
    },
  };
}
