import { formatType, isFloatDType, type Dim, type DType, type TensorType } from '../../plan/tensor-type.ts';
import type { InferContext, InferError } from './op-spec.ts';

/**
 * Building blocks of the ops' type rules, so every op words the same misuse the same way.
 *
 * Each check returns `null` when the argument is fine, or an `InferError` that names the argument
 * (0-based `arg`) and says how to fix it, typically with a `cast(...)` hint. m4 tensors are
 * batch-major: axis 0 is the rows, so an op that works "along the last axis" needs rank ≥ 2 or it
 * would mix rows (and its result would depend on how the replay was batched).
 */

export function isIntDType(d: DType): boolean {
  return d === 'i32' || d === 'i64';
}

/** `cast(x, to: "f32")`, the fix most dtype errors suggest. */
export function castHint(to: DType): string {
  return `cast(x, to: "${to}")`;
}

/** " for argument 2" when an op takes several tensors, "" otherwise: a single tensor needs no index. */
function which(args: readonly TensorType[], i: number): string {
  return args.length > 1 ? ` for argument ${i + 1}` : '';
}

/** f32 or f64. Everything else gets a cast hint (or the reason it cannot be cast). */
export function requireFloat(op: string, args: readonly TensorType[], i: number): InferError | null {
  const t = args[i];
  if (isFloatDType(t.dtype)) return null;
  const a = args.length > 1 ? 'float tensors' : 'a float tensor';
  const fix = t.dtype === 'str' ? 'strings cannot be cast to numbers' : `cast it first: ${castHint('f32')}`;
  return { error: `${op} needs ${a}, got ${formatType(t)}${which(args, i)}; ${fix}`, arg: i };
}

/**
 * f32, f64, i32 or i64 — the dtypes arithmetic is defined on. `bool` is refused rather than
 * silently read as 0/1 (its arithmetic in numpy is logical, a common surprise).
 */
export function requireArithmetic(op: string, args: readonly TensorType[], i: number): InferError | null {
  const t = args[i];
  if (t.dtype !== 'str' && t.dtype !== 'bool') return null;
  const a = args.length > 1 ? 'numeric tensors' : 'a numeric tensor';
  const fix = t.dtype === 'str' ? 'strings cannot be cast to numbers' : `cast it first: ${castHint('i64')}`;
  return { error: `${op} needs ${a}, got ${formatType(t)}${which(args, i)}; ${fix}`, arg: i };
}

/** Any dtype but `str` (bool reads as 0/1). */
export function requireNumeric(op: string, args: readonly TensorType[], i: number): InferError | null {
  const t = args[i];
  if (t.dtype !== 'str') return null;
  const a = args.length > 1 ? 'numeric tensors' : 'a numeric tensor';
  return {
    error: `${op} needs ${a}, got ${formatType(t)}${which(args, i)}; strings cannot be cast to numbers`,
    arg: i,
  };
}

/**
 * Rank ≥ 2 for ops along the last axis: with rank 1 the last axis is the rows themselves.
 */
export function requireRowsAndAxis(op: string, args: readonly TensorType[], i: number): InferError | null {
  const t = args[i];
  if (t.dims.length >= 2) return null;
  const got = t.dims.length === 0 ? `a scalar ${formatType(t)}` : `${formatType(t)}, which holds one value per row`;
  return {
    error: `${op} works along the last axis of a [rows, ...] tensor and needs rank 2 or more; ` + `got ${got}`,
    arg: i,
  };
}

/**
 * The dtype of an elementwise result. All arguments must share a dtype, except that f32 with f64
 * gives f64 (exact: every f32 is an f64). No other promotion happens silently.
 */
export function unifyDTypes(op: string, args: readonly TensorType[]): DType | InferError {
  let dtype = args[0].dtype;
  for (let i = 1; i < args.length; i++) {
    const d = args[i].dtype;
    if (d === dtype) continue;
    if (isFloatDType(d) && isFloatDType(dtype)) {
      dtype = 'f64';
      continue;
    }
    const fix = dtype === 'str' || d === 'str' ? 'strings cannot be cast to numbers' : `cast one of them first, e.g. ${castHint(dtype)}`;
    return {
      error:
        `${op} cannot mix ${formatType(args[0])} (argument 1) with ${formatType(args[i])} ` +
        `(argument ${i + 1}): dtypes are not promoted silently (only f32 with f64 gives f64); ${fix}`,
      arg: i,
    };
  }
  return dtype;
}

/**
 * The shape of an elementwise result under numpy broadcasting, restricted to arguments of equal
 * rank. numpy aligns shapes from the right, which would pair the rows of a `[batch]` tensor with
 * the columns of a `[batch, 2]` one; in a batch-major graph that is always a mistake, so ranks must
 * match and `expand_dims` makes the intent explicit. Per axis: equal sizes, or one side is 1.
 * Symbolic and unknown dims unify through `ctx.sameDim` (a `1` never unifies: it broadcasts).
 */
export function broadcastDims(op: string, args: readonly TensorType[], ctx: InferContext): Dim[] | InferError {
  const rank = args[0].dims.length;
  for (let i = 1; i < args.length; i++) {
    const r = args[i].dims.length;
    if (r === rank) continue;
    const [lo, hi] = r < rank ? [args[i], args[0]] : [args[0], args[i]];
    const hint =
      hi.dims.length === lo.dims.length + 1
        ? `; expand_dims(x) turns ${formatType(lo)} into ${formatType({ dtype: lo.dtype, dims: [...lo.dims, 1] })}`
        : '';
    return {
      error: `${op} needs tensors of the same rank (rows first), got ${formatType(args[0])} and ` + `${formatType(args[i])}${hint}`,
      arg: i,
    };
  }
  const dims = args[0].dims.slice();
  // Which argument each result dim came from, so a mismatch names the right pair.
  const from = new Array<number>(rank).fill(0);
  for (let i = 1; i < args.length; i++) {
    for (let a = 0; a < rank; a++) {
      const acc = dims[a];
      const d = args[i].dims[a];
      if (d === 1) continue;
      if (acc === 1) {
        dims[a] = d;
        from[a] = i;
        continue;
      }
      if (typeof acc === 'number' && typeof d === 'number' && acc !== d) {
        return {
          error:
            `${op} cannot broadcast ${formatType(args[from[a]])} with ${formatType(args[i])}: ` +
            `axis ${a} is ${acc} against ${d}; sizes must be equal or 1`,
          arg: i,
        };
      }
      dims[a] = ctx.sameDim(acc, d, from[a], i);
    }
  }
  return dims;
}

/** `axis` as a 0-based index of a feature axis (1..rank-1), or null when it is the rows or out of range. */
export function featureAxis(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 1 && a < rank ? a : null;
}
