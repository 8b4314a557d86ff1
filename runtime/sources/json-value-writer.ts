/**
 * The reference semantics of a row: check a parsed JSON value against an input's dtype and shape,
 * and write it into the batch arrays. Every bad-row verdict for JSON values is decided here; the
 * fast JSONL scanner only handles rows this code would accept, and gives up on anything else.
 *
 * Hot functions return a numeric problem code and never build strings; messages are built by the
 * cold `explain*` functions. (Measured: merely containing a template literal over the value made
 * V8 run `storeNumber` ~50x slower, even when the template was never evaluated.)
 */
import type { TensorData } from '../../stdlib/types.ts';
import type { DType } from '../../plan/tensor-type.ts';
import { badRow, describeValue, elementLabel, type BadRow } from './bad-row.ts';
import { elementNoun, type FixedSlot, type InputSlot } from './input-layout.ts';
import { bytesOfValue } from './bytes-value.ts';
import { isNanSpelling } from './number-text.ts';

const I64_MIN = -9223372036854775808;
const I64_LIMIT = 9223372036854775808; // 2^63, exclusive

/** Why a scalar could not be stored. `None` (0) means stored. */
export const Problem = {
  None: 0,
  NonFinite: 1,
  F32Overflow: 2,
  NotInteger: 3,
  I32Range: 4,
  I64Range: 5,
  NotBool: 6,
  NotNumber: 7,
  NotString: 8,
  IsList: 9,
  BadBase64: 10,
} as const;
export type Problem = (typeof Problem)[keyof typeof Problem];

/** Store a double `v` as `dtype`, with the finiteness, range and integrality checks of that dtype. */
export function storeNumber(dtype: DType, v: number, data: TensorData, at: number): Problem {
  if (v - v !== 0) return Problem.NonFinite;
  switch (dtype) {
    case 'f32': {
      const f = Math.fround(v);
      if (f - f !== 0) return Problem.F32Overflow;
      (data as Float32Array)[at] = f;
      return Problem.None;
    }
    case 'f64':
      (data as Float64Array)[at] = v;
      return Problem.None;
    case 'i32':
      if (!Number.isInteger(v)) return Problem.NotInteger;
      if (v < -2147483648 || v > 2147483647) return Problem.I32Range;
      (data as Int32Array)[at] = v;
      return Problem.None;
    case 'i64':
      if (!Number.isInteger(v)) return Problem.NotInteger;
      if (v < I64_MIN || v >= I64_LIMIT) return Problem.I64Range;
      (data as BigInt64Array)[at] = BigInt(v);
      return Problem.None;
    case 'bool':
      if (v !== 0 && v !== 1) return Problem.NotBool;
      (data as Uint8Array)[at] = v;
      return Problem.None;
    case 'str':
      (data as string[])[at] = String(v);
      return Problem.None;
    case 'bytes':
    case 'image':
      return Problem.NotString;
  }
}

/** Store a `bytes` value: base64 text or raw bytes (bytes-value.ts). */
function storeBytes(v: unknown, data: TensorData, at: number): Problem {
  const b = bytesOfValue(v);
  if (b === 'not-text') return Array.isArray(v) ? Problem.IsList : Problem.NotString;
  if (b === null) return Problem.BadBase64;
  (data as Uint8Array[])[at] = b;
  return Problem.None;
}

/** Store one JSON scalar (any parsed JSON value) as `dtype`. */
export function storeJsonScalar(dtype: DType, v: unknown, data: TensorData, at: number): Problem {
  if (dtype === 'bytes') return storeBytes(v, data, at);
  if (typeof v === 'number') return storeNumber(dtype, v, data, at);
  if (Array.isArray(v)) return Problem.IsList;
  if (dtype === 'bool') {
    if (v === true) {
      (data as Uint8Array)[at] = 1;
      return Problem.None;
    }
    if (v === false) {
      (data as Uint8Array)[at] = 0;
      return Problem.None;
    }
    return Problem.NotBool;
  }
  if (dtype === 'str') {
    if (typeof v === 'string') {
      (data as string[])[at] = v;
      return Problem.None;
    }
    return Problem.NotString;
  }
  return Problem.NotNumber;
}

/** The verdict for a problem with value `v`; the detail starts with "is ..." for the caller to prefix. */
export function explainProblem(problem: Problem, v: unknown): BadRow {
  switch (problem) {
    case Problem.NonFinite:
      return badRow('nan', `is ${String(v)}`);
    case Problem.F32Overflow:
      return badRow('nan', `is ${String(v)}, which overflows f32`);
    case Problem.NotInteger:
      return badRow('non-integer', `is ${String(v)}, expected an integer`);
    case Problem.I32Range:
      return badRow('non-integer', `is ${String(v)}, outside the i32 range`);
    case Problem.I64Range:
      return badRow('non-integer', `is ${String(v)}, outside the i64 range`);
    case Problem.NotBool:
      return badRow('wrong-type', `is ${describeValue(v)}, expected true/false or 0/1`);
    case Problem.NotString:
      return badRow('wrong-type', `is ${describeValue(v)}, expected a string`);
    case Problem.IsList:
      return badRow('wrong-type', 'is a list, expected a single value');
    case Problem.BadBase64:
      return badRow('bad-base64', `is ${describeValue(v)}, which is not base64`);
    case Problem.NotNumber:
      if (v === null) return badRow('nan', 'is null');
      if (typeof v === 'string') {
        if (isNanSpelling(v)) return badRow('nan', `is ${v.trim()}`);
        return badRow('non-numeric', `is ${describeValue(v)}, expected a number`);
      }
      if (typeof v === 'boolean') return badRow('non-numeric', `is ${String(v)}, expected a number`);
      return badRow('wrong-type', `is ${describeValue(v)}, expected a number`);
    default:
      return badRow('wrong-type', `is ${describeValue(v)}`);
  }
}

/** Put `where` in front of a bad row's detail (no-op for null). */
export function prefixed(where: string, bad: BadRow | null): BadRow | null {
  return bad === null ? null : badRow(bad.reason, where + bad.detail);
}

/**
 * Write the value of a `field` input (scalar or nested lists of shape `slot.dims`) at element offset
 * `off`. Lists are checked element by element, so the first problem in reading order is reported.
 */
export function writeFieldValue(slot: FixedSlot, v: unknown, data: TensorData, off: number): BadRow | null {
  if (slot.dims.length === 0) {
    const p = storeJsonScalar(slot.dtype, v, data, off);
    return p === Problem.None ? null : explainField(slot, [], p, v);
  }
  return writeList(slot, v, 0, data, off, []);
}

function writeList(slot: FixedSlot, v: unknown, level: number, data: TensorData, off: number, index: number[]): BadRow | null {
  const n = slot.dims[level];
  if (!Array.isArray(v) || v.length !== n) return explainShape(slot, level, index, v);
  if (level === slot.dims.length - 1) {
    const dtype = slot.dtype;
    for (let i = 0; i < n; i++) {
      const e = v[i];
      const p = storeJsonScalar(dtype, e, data, off + i);
      if (p !== Problem.None) return explainField(slot, [...index, i], p, e);
    }
    return null;
  }
  let stride = 1;
  for (let k = level + 1; k < slot.dims.length; k++) stride *= slot.dims[k];
  for (let i = 0; i < n; i++) {
    index.push(i);
    const bad = writeList(slot, v[i], level + 1, data, off + i * stride, index);
    index.pop();
    if (bad) return bad;
  }
  return null;
}

/** `field "tx": element 3 is null` / `field "label" is 0.5, expected an integer`. */
function explainField(slot: FixedSlot, index: number[], p: Problem, v: unknown): BadRow {
  const where = index.length === 0 ? `field "${slot.label}" ` : `field "${slot.label}": ${elementLabel(index)}`;
  return prefixed(where, explainProblem(p, v))!;
}

/** A list of the wrong length, or not a list, at `level` of a list input. */
function explainShape(slot: FixedSlot, level: number, index: number[], v: unknown): BadRow {
  const n = slot.dims[level];
  const last = level === slot.dims.length - 1;
  const at = index.length === 0 ? '' : ` at ${index.map((i) => `[${i}]`).join('')}`;
  const what = last ? `${n} ${elementNoun(slot.dtype)}` : `${n} lists`;
  if (!Array.isArray(v)) {
    return badRow('wrong-type', `field "${slot.label}": expected a list of ${what}${at}, got ${describeValue(v)}`);
  }
  return badRow('wrong-length', `field "${slot.label}": expected ${what}${at}, got ${v.length}`);
}

/**
 * The trailing dims a value implies for `slot`, following first elements: declared fixed sizes are
 * kept (the writer then reports a mismatch as `wrong-length`), `?` and symbolic dims take the
 * observed list lengths. Returns a bad row when the nesting is too shallow to fix a dim.
 */
export function discoverFieldDims(slot: InputSlot, v: unknown): number[] | BadRow {
  const dims: number[] = [];
  let cur = v;
  for (let k = 0; k < slot.trailing.length; k++) {
    const declared = slot.trailing[k];
    if (!Array.isArray(cur)) {
      if (typeof declared === 'number') {
        dims.push(declared);
        continue;
      }
      return badRow('wrong-type', `field "${slot.label}": expected a list, got ${describeValue(cur)}`);
    }
    if (typeof declared === 'number') {
      dims.push(declared);
    } else {
      if (cur.length === 0) return badRow('wrong-length', `field "${slot.label}": an empty list cannot fix the size of dim ${declared ?? '?'}`);
      dims.push(cur.length);
    }
    cur = cur[0];
  }
  return dims;
}
