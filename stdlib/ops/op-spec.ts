import type { Tensor } from '../types.ts';
import type { Dim, TensorType } from '../../plan/tensor-type.ts';

/**
 * A JSON Schema (draft 2020-12 subset that ajv understands) for an op's named parameters.
 * Always `type: 'object'` with `additionalProperties: false`, so unknown parameters are errors.
 */
export interface ParamSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown> & { description: string }>;
  required?: string[];
  additionalProperties: false;
  [k: string]: unknown;
}

/**
 * What an op's type rule may ask of the checker. The checker owns unification of symbolic dims
 * across the graph; an op only states which dims must be equal.
 */
export interface InferContext {
  /**
   * Require two dims to be the same size. Returns the unified dim (a fixed size wins over a symbol,
   * a symbol over unknown). A mismatch is reported by the checker against the two arguments.
   */
  sameDim(a: Dim, b: Dim, argA: number, argB: number): Dim;
}

/** A type rule's failure, mapped by the checker onto a diagnostic at the argument or parameter. */
export interface InferError {
  error: string;
  /** Index of the tensor argument the problem is about, when there is one. */
  arg?: number;
  /** Name of the parameter the problem is about, when there is one. */
  param?: string;
}

export type InferResult = TensorType | InferError;

export function isInferError(r: InferResult): r is InferError {
  return (r as InferError).error !== undefined;
}

/**
 * One stdlib op: everything about it in one place — documentation, parameter schema, type rule and
 * kernel. The compiler reads `params`, `arity` and `infer`; the runtime calls `kernel`.
 */
export interface OpSpec<P = Record<string, unknown>> {
  name: string;
  /** One line, shown in completions. */
  summary: string;
  /** Markdown, shown on hover and in docs/ops.md. */
  doc: string;
  /** A one-line usage example in .m4 syntax. */
  example: string;
  /** Number of positional tensor arguments: `max: Infinity` for variadic ops (concat, mean). */
  arity: { min: number; max: number };
  params: ParamSchema;
  /** Static type of the result; params are already schema-valid (defaults applied). */
  infer(args: TensorType[], params: P, ctx: InferContext): InferResult;
  /** Compute the result on concrete tensors. Must not mutate its arguments. */
  kernel(args: Tensor[], params: P): Tensor;
}
