/**
 * Test helpers for the stdlib ops: a fake InferContext with the compiler's unification contract,
 * params validated by ajv exactly as the compiler does, and tensor builders.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { expect } from 'vitest';
import type { Tensor } from '../../../stdlib/types.ts';
import type { Dim, DType, TensorType } from '../../../plan/tensor-type.ts';
import { isInferError, type InferContext, type InferResult, type OpSpec } from '../../../stdlib/ops/op-spec.ts';

export interface Mismatch {
  a: Dim;
  b: Dim;
  argA: number;
  argB: number;
}

/**
 * `sameDim` as the real checker resolves dims: a fixed size wins over a symbol, a symbol over
 * unknown; two different fixed sizes are recorded as a mismatch (and the first is returned).
 */
export function fakeCtx(): InferContext & { mismatches: Mismatch[]; calls: Mismatch[] } {
  const mismatches: Mismatch[] = [];
  const calls: Mismatch[] = [];
  return {
    mismatches,
    calls,
    sameDim(a: Dim, b: Dim, argA: number, argB: number): Dim {
      calls.push({ a, b, argA, argB });
      if (typeof a === 'number' && typeof b === 'number') {
        if (a !== b) mismatches.push({ a, b, argA, argB });
        return a;
      }
      if (typeof a === 'number') return a;
      if (typeof b === 'number') return b;
      return a ?? b;
    },
  };
}

const ajv = new Ajv({ useDefaults: true, allErrors: true });

/** Validate params the way the compiler will (ajv, defaults applied); returns the filled params. */
export function checkParams(
  op: OpSpec<never> | OpSpec,
  params: Record<string, unknown>,
): { ok: boolean; params: Record<string, unknown>; errors: ErrorObject[] } {
  const validate = ajv.compile((op as OpSpec).params);
  const copy = structuredClone(params);
  const ok = validate(copy) as boolean;
  return { ok, params: copy, errors: validate.errors ?? [] };
}

/** Shorthand for a static type. */
export function ty(dtype: DType, dims: Dim[]): TensorType {
  return { dtype, dims };
}

/** Run `infer` after applying schema defaults, as the compiler does. */
export function infer(op: OpSpec<any>, args: TensorType[], params: Record<string, unknown> = {}, ctx: InferContext = fakeCtx()): InferResult {
  const checked = checkParams(op as OpSpec, params);
  expect(checked.ok, `params ${JSON.stringify(params)} should be schema-valid: ${JSON.stringify(checked.errors)}`).toBe(true);
  return op.infer(args, checked.params as never, ctx);
}

/** `infer` that must succeed; returns the type. */
export function inferOk(op: OpSpec<any>, args: TensorType[], params: Record<string, unknown> = {}, ctx: InferContext = fakeCtx()): TensorType {
  const r = infer(op, args, params, ctx);
  if (isInferError(r)) throw new Error(`unexpected infer error: ${r.error}`);
  return r;
}

/** `infer` that must fail; returns the error. */
export function inferErr(
  op: OpSpec<any>,
  args: TensorType[],
  params: Record<string, unknown> = {},
  ctx: InferContext = fakeCtx(),
): { error: string; arg?: number; param?: string } {
  const r = infer(op, args, params, ctx);
  if (!isInferError(r)) throw new Error(`expected an infer error, got ${JSON.stringify(r)}`);
  return r;
}

/** Run the kernel after applying schema defaults; also checks the arguments were not mutated. */
export function run(op: OpSpec<any>, args: Tensor[], params: Record<string, unknown> = {}): Tensor {
  const checked = checkParams(op as OpSpec, params);
  expect(checked.ok, `params ${JSON.stringify(params)} should be schema-valid`).toBe(true);
  const before = args.map((a) => ({ data: Array.from(a.data as ArrayLike<unknown>), dims: a.dims.slice() }));
  const out = op.kernel(args, checked.params as never);
  args.forEach((a, i) => {
    expect(Array.from(a.data as ArrayLike<unknown>)).toEqual(before[i].data);
    expect(a.dims).toEqual(before[i].dims);
    expect(out.data).not.toBe(a.data);
  });
  return out;
}

export function f32(dims: number[], values: number[]): Tensor<'f32'> {
  return { dtype: 'f32', dims, data: Float32Array.from(values) };
}
export function f64(dims: number[], values: number[]): Tensor<'f64'> {
  return { dtype: 'f64', dims, data: Float64Array.from(values) };
}
export function i32(dims: number[], values: number[]): Tensor<'i32'> {
  return { dtype: 'i32', dims, data: Int32Array.from(values) };
}
export function i64(dims: number[], values: Array<number | bigint>): Tensor<'i64'> {
  return { dtype: 'i64', dims, data: BigInt64Array.from(values.map((v) => BigInt(v))) };
}
export function bool(dims: number[], values: number[]): Tensor<'bool'> {
  return { dtype: 'bool', dims, data: Uint8Array.from(values) };
}
export function str(dims: number[], values: string[]): Tensor<'str'> {
  return { dtype: 'str', dims, data: values.slice() };
}

/**
 * Elementwise closeness with NaN equal to NaN and exact infinities. `digits` as toBeCloseTo:
 * |a - e| < 10^-digits / 2; omit it for exact equality.
 */
export function expectValues(actual: ArrayLike<number>, expected: number[], digits?: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const where = `at ${i}: got ${a}, expected ${e}`;
    if (Number.isNaN(e)) expect(Number.isNaN(a), where).toBe(true);
    else if (digits === undefined || !Number.isFinite(e)) expect(a, where).toBe(e);
    else expect(Math.abs(a - e) < 10 ** -digits / 2, where).toBe(true);
  }
}
