import { allocData, sizeOf, type Tensor } from '../types.ts';
import { formatType, type DType, type TensorType } from '../../plan/tensor-type.ts';
import { broadcastIndex, broadcastShape, sameShape } from './broadcast.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';
import { broadcastDims, isIntDType, requireArithmetic, unifyDTypes } from './type-rules.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ArithmeticParams = { by?: number };

/** What distinguishes add, sub, mul and div: their element functions and documentation. */
export interface BinaryArithmeticDef {
  name: string;
  summary: string;
  doc: string;
  example: string;
  /** On f64 values (f32 inputs are exact in f64; the store rounds once, which is IEEE f32 arithmetic). */
  float: (a: number, b: number) => number;
  /** On i32 values, wrapping modulo 2^32 as numpy; `null` when integer inputs give an f64 result. */
  i32: ((a: number, b: number) => number) | null;
  /** On i64 values; the BigInt64Array store wraps modulo 2^64 as numpy. `null` as for `i32`. */
  i64: ((a: bigint, b: bigint) => bigint) | null;
  /** Extra check of a `by:` value (div refuses 0); returns the message, or null. */
  checkBy?: (by: number) => string | null;
}

const I64_LO = -(2 ** 63);
const I64_HI = 2 ** 63;
const I32_LO = -(2 ** 31);
const I32_HI = 2 ** 31;

/**
 * An OpSpec for `a OP b`: two tensors with numpy broadcasting (same rank, each axis equal or 1),
 * or one tensor and a number `by:`. Integer tensors stay integer (wrapping like numpy) unless the
 * op has no integer form (div), which gives f64 as numpy's true division.
 */
export function binaryArithmeticOp(def: BinaryArithmeticDef): OpSpec<ArithmeticParams> {
  const { name } = def;
  const intResult = (d: DType): DType => (isIntDType(d) && def.i32 === null ? 'f64' : d);

  return {
    name,
    summary: def.summary,
    doc: def.doc,
    example: def.example,
    arity: { min: 1, max: 2 },
    params: {
      type: 'object',
      properties: {
        by: { description: 'A number to use as the second operand instead of a second tensor.', type: 'number' },
      },
      additionalProperties: false,
    },

    infer(args: TensorType[], params: ArithmeticParams, ctx: InferContext): InferResult {
      if (params.by !== undefined) {
        if (args.length !== 1) {
          return { error: `${name} takes either a second tensor or by:, not both`, param: 'by' };
        }
        const bad = requireArithmetic(name, args, 0);
        if (bad) return bad;
        const x = args[0];
        const extra = def.checkBy?.(params.by);
        if (extra) return { error: extra, param: 'by' };
        if (isIntDType(x.dtype) && def.i32 !== null) {
          const [lo, hi] = x.dtype === 'i32' ? [I32_LO, I32_HI] : [I64_LO, I64_HI];
          if (!Number.isInteger(params.by) || params.by < lo || params.by >= hi) {
            return {
              error: `${name} of ${formatType(x)} by ${params.by} needs an ${x.dtype} number; ` + 'cast x to a float first: cast(x, to: "f64")',
              param: 'by',
            };
          }
        }
        return { dtype: intResult(x.dtype), dims: x.dims.slice() };
      }
      if (args.length !== 2) {
        return { error: `${name} needs two tensors, or one tensor and a number: ${name}(x, by: 2.0)`, arg: 0 };
      }
      const bad = requireArithmetic(name, args, 0) ?? requireArithmetic(name, args, 1);
      if (bad) return bad;
      const dtype = unifyDTypes(name, args);
      if (typeof dtype !== 'string') return dtype;
      const dims = broadcastDims(name, args, ctx);
      if (!Array.isArray(dims)) return dims;
      return { dtype: intResult(dtype), dims };
    },

    kernel(args: Tensor[], params: ArithmeticParams): Tensor {
      for (const a of args) {
        if (a.dtype === 'str' || a.dtype === 'bool') throw new KernelError(name, `needs numeric tensors, got ${a.dtype}`);
      }
      if (params.by !== undefined) return byKernel(def, args[0], params.by);
      const [a, b] = args;
      let dtype: DType = a.dtype;
      if (a.dtype !== b.dtype) {
        if ((a.dtype === 'f32' || a.dtype === 'f64') && (b.dtype === 'f32' || b.dtype === 'f64')) dtype = 'f64';
        else throw new KernelError(name, `cannot mix ${a.dtype} with ${b.dtype}`);
      }
      const dims = broadcastShape(name, args);
      const n = sizeOf(dims);
      const ia = sameShape(a.dims, dims) ? null : broadcastIndex(a.dims, dims);
      const ib = sameShape(b.dims, dims) ? null : broadcastIndex(b.dims, dims);
      const outDtype = intResult(dtype);
      const out = allocData(outDtype, n);
      if (dtype === 'i64' && def.i64 !== null) {
        loopBig(def.i64, a.data as BigInt64Array, b.data as BigInt64Array, out as BigInt64Array, ia, ib);
      } else if (dtype === 'i64') {
        loopNum(def.float, toF64(a.data as BigInt64Array), toF64(b.data as BigInt64Array), out as Float64Array, ia, ib);
      } else {
        const f = dtype === 'i32' && def.i32 !== null ? def.i32 : def.float;
        loopNum(f, a.data as NumArray, b.data as NumArray, out as NumArray, ia, ib);
      }
      return { dtype: outDtype, data: out, dims };
    },
  };
}

type NumArray = Float32Array | Float64Array | Int32Array;

/** i64 values as f64 (rounded to nearest), for ops whose integer inputs give f64 (div). */
function toF64(s: BigInt64Array): Float64Array {
  const o = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) o[i] = Number(s[i]);
  return o;
}

function loopNum(
  f: (a: number, b: number) => number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  out: NumArray,
  ia: Int32Array | null,
  ib: Int32Array | null,
): void {
  const n = out.length;
  if (ia === null && ib === null) for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  else if (ia === null) for (let i = 0; i < n; i++) out[i] = f(a[i], b[(ib as Int32Array)[i]]);
  else if (ib === null) for (let i = 0; i < n; i++) out[i] = f(a[ia[i]], b[i]);
  else for (let i = 0; i < n; i++) out[i] = f(a[ia[i]], b[ib[i]]);
}

function loopBig(
  f: (a: bigint, b: bigint) => bigint,
  a: BigInt64Array,
  b: BigInt64Array,
  out: BigInt64Array,
  ia: Int32Array | null,
  ib: Int32Array | null,
): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = f(a[ia === null ? i : ia[i]], b[ib === null ? i : ib[i]]);
}

/** `x OP by` for a number `by`, rounded to f32 first on f32 tensors (numpy's float32 scalar rule). */
function byKernel(def: BinaryArithmeticDef, x: Tensor, by: number): Tensor {
  const n = x.data.length;
  const dims = x.dims.slice();
  if (x.dtype === 'i64') {
    const src = x.data as BigInt64Array;
    if (def.i64 !== null) {
      const out = new BigInt64Array(n);
      const b = BigInt(by);
      for (let i = 0; i < n; i++) out[i] = def.i64(src[i], b);
      return { dtype: 'i64', data: out, dims };
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = def.float(Number(src[i]), by);
    return { dtype: 'f64', data: out, dims };
  }
  const src = x.data as NumArray;
  if (x.dtype === 'i32' && def.i32 === null) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = def.float(src[i], by);
    return { dtype: 'f64', data: out, dims };
  }
  const out = allocData(x.dtype, n) as NumArray;
  const f = x.dtype === 'i32' ? (def.i32 as (a: number, b: number) => number) : def.float;
  const b = x.dtype === 'f32' ? Math.fround(by) : by;
  for (let i = 0; i < n; i++) out[i] = f(src[i], b);
  return { dtype: x.dtype, data: out, dims };
}
