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
  /** The problem is reading a file a parameter names (missing, unreadable, not the expected format). */
  file?: boolean;
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
 * Why an op may reject one row at run time. The row is then a bad row, counted under this reason
 * next to the data sources' reasons (`m4c run` summary, `--on-bad-row`), and never a crash.
 */
export const ROW_FAILURE_REASONS = [
  'image-empty',
  'image-format',
  'image-corrupt',
  'image-truncated',
  'image-too-large',
  'text-too-long',
  'path-outside-root',
  'file-missing',
  'file-not-regular',
  'file-unreadable',
  'file-too-large',
] as const;

export type RowFailureReason = (typeof ROW_FAILURE_REASONS)[number];

/** What a kernel may ask of the executor. */
export interface KernelContext {
  /**
   * Reject row `row` (0-based in this batch): the executor drops it from the whole batch before any
   * model runs and counts it as a bad row. Only ops with `rejectsRows` may call it.
   */
  rejectRow(row: number, reason: RowFailureReason, detail: string): void;
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
  /**
   * Named parameters that hold file paths (`tokenizer: "tok/tokenizer.json"`), written relative to the
   * `.m4` file. The compiler makes them absolute before `infer` runs, so `infer` may read the file (and
   * report a problem with it as an `InferError` with `file: true`), and the plan holds the absolute path.
   */
  fileParams?: readonly string[];
  /** The op reads `image` tensors (every other op refuses them: an image is not an array of numbers). */
  readsImages?: boolean;
  /**
   * The kernel may reject rows with `ctx.rejectRow`. The executor runs such ops, and what they read,
   * before the rest of the graph, so a rejected row never reaches a model.
   */
  rejectsRows?: boolean;
  /** Compute the result on concrete tensors. Must not mutate its arguments. */
  kernel(args: Tensor[], params: P, ctx?: KernelContext): Tensor;
  /**
   * For ops whose work runs off the main thread (image decoding in sharp's thread pool): when present
   * the executor calls this instead of `kernel`, and `kernel` is never called.
   */
  kernelAsync?(args: Tensor[], params: P, ctx: KernelContext): Promise<Tensor>;
}
