/**
 * Writing columnar values into a batch. Two ways with one verdict:
 *
 * - row by row ({@link writeField}, {@link writeColumns}): one row's value of one input, checked as the
 *   JSON path checks it, returning the bad-row verdict with its message;
 * - a column at a time ({@link fillColumn}): a range of rows of one input, with whole-range copies
 *   where the storage allows (typed arrays with `set`, string dictionaries by index), marking the rows
 *   whose value is bad. A marked row's verdict is then asked of the row writer, so messages stay
 *   those of JSONL; the kernels only have to agree with it on good versus bad, which the tests check.
 */
import { BadRow, badRow } from './bad-row.ts';
import type { ColumnChunk, FlatColumn } from './columnar-file.ts';
import type { FixedSlot } from './input-layout.ts';
import { elementNoun } from './input-layout.ts';
import { explainProblem, prefixed, Problem, storeJsonScalar, storeNumber, writeFieldValue } from './json-value-writer.ts';
import type { TensorData } from '../../stdlib/types.ts';

export function missingField(path: readonly string[]): BadRow {
  return badRow('missing-field', `field "${path.join('.')}" is missing`);
}

/** Gathered scalar columns into the last axis. */
export function writeColumns(slot: FixedSlot, values: unknown[], data: TensorData, off: number): BadRow | null {
  for (let j = 0; j < slot.paths.length; j++) {
    const v = values[j];
    if (v === null) return missingField(slot.paths[j]!);
    const p = storeJsonScalar(slot.dtype, v, data, off + j);
    if (p !== Problem.None) return prefixed(`field "${slot.paths[j]!.join('.')}" `, explainProblem(p, v));
  }
  return null;
}

/** Whether a field slot reads `f` as typed storage (else it takes the column's per-row values). */
function readsFlat(slot: FixedSlot, f: FlatColumn | null): f is FlatColumn {
  if (f === null || slot.dims.length > 1 || f.bool) return false;
  const listy = f.offsets !== null || f.width !== 1;
  return listy === (slot.dims.length === 1);
}

/**
 * One field input of row i. Typed columns (scalars, 1-D lists of numbers) are copied element by
 * element with the JSON path's checks; anything else takes the JSON value writer.
 */
export function writeField(slot: FixedSlot, c: ColumnChunk, i: number, data: TensorData, off: number): BadRow | null {
  const f = c.flat;
  if (!readsFlat(slot, f)) {
    const v = c.get(i);
    if (v === null) return missingField(slot.paths[0]!);
    return writeFieldValue(slot, v, data, off);
  }
  if (f.valid !== null && f.valid[i] === 0) return missingField(slot.paths[0]!);
  const listy = slot.dims.length === 1;
  const vals = f.values;
  let from = i,
    len = 1;
  if (listy) {
    from = f.offsets !== null ? f.offsets[i]! : i * f.width;
    len = f.offsets !== null ? f.offsets[i + 1]! - from : f.width;
    if (len !== slot.rowSize) return badRow('wrong-length', `field "${slot.label}": expected ${slot.rowSize} ${elementNoun(slot.dtype)}, got ${len}`);
  }
  const big = vals instanceof BigInt64Array || vals instanceof BigUint64Array;
  const nulls = f.elemNull;
  const where = (j: number): string => (listy ? `field "${slot.label}": element ${j} ` : `field "${slot.label}" `);
  for (let j = 0; j < len; j++) {
    if (nulls !== null && nulls[from + j] === 1) return prefixed(where(j), explainProblem(Problem.NotNumber, null));
    const raw = vals[from + j]!;
    let p: Problem;
    if (big && slot.dtype === 'i64' && raw >= -9223372036854775808n && raw < 9223372036854775808n) {
      (data as BigInt64Array)[off + j] = raw as bigint;
      p = Problem.None;
    } else p = storeNumber(slot.dtype, Number(raw), data, off + j);
    if (p !== Problem.None) return prefixed(where(j), explainProblem(p, Number(raw)));
  }
  return null;
}

/** Marks `flags[k] = tag` for a bad row k of the range, unless an earlier input already marked it. */
function mark(flags: Uint8Array, k: number, tag: number): void {
  if (flags[k] === 0) flags[k] = tag;
}

/**
 * Rows [r0, r0 + n) of a field input into `data` from batch row `base` on, marking bad rows in
 * `flags` (index k for row r0 + k) with `tag`. Bad rows' slots hold anything; the caller drops them.
 */
export function fillColumn(
  slot: FixedSlot,
  c: ColumnChunk,
  r0: number,
  n: number,
  data: TensorData,
  base: number,
  flags: Uint8Array,
  tag: number,
): void {
  const f = c.flat;
  const s = c.strings;
  if (s != null && slot.dtype === 'str' && slot.dims.length === 0) return fillStrings(s.dict, s.index, r0, n, data as string[], base, flags, tag);
  if (readsFlat(slot, f)) {
    const v = f.values;
    if ((slot.dtype === 'f32' || slot.dtype === 'f64') && (v instanceof Float32Array || v instanceof Float64Array))
      return fillFloats(slot, f, v, r0, n, data as Float32Array | Float64Array, base, flags, tag);
    if (slot.dims.length === 0 && f.elemNull === null) {
      // Every int64 fits i64, every int32 fits i32: only rows without a value are bad.
      if ((slot.dtype === 'i64' && v instanceof BigInt64Array) || (slot.dtype === 'i32' && v instanceof Int32Array)) {
        (data as Int32Array).set((v as Int32Array).subarray(r0, r0 + n), base);
        if (f.valid !== null) for (let k = 0; k < n; k++) if (f.valid[r0 + k] === 0) mark(flags, k, tag);
        return;
      }
    }
  }
  const off = slot.rowSize;
  for (let k = 0; k < n; k++) if (writeField(slot, c, r0 + k, data, (base + k) * off) !== null) mark(flags, k, tag);
}

function fillStrings(
  dict: readonly string[],
  index: Int32Array,
  r0: number,
  n: number,
  out: string[],
  base: number,
  flags: Uint8Array,
  tag: number,
): void {
  for (let k = 0; k < n; k++) {
    const j = index[r0 + k]!;
    if (j < 0) mark(flags, k, tag);
    else out[base + k] = dict[j]!;
  }
}

/**
 * Floats into f32/f64: rows without a value, of the wrong length or with a null element are marked;
 * the rest are copied (a TypedArray `set` converts as `Math.fround` does) and a stored value that is
 * not finite (NaN, ±Infinity, or an f64 beyond the f32 range) marks its row.
 */
function fillFloats(
  slot: FixedSlot,
  f: FlatColumn,
  src: Float32Array | Float64Array,
  r0: number,
  n: number,
  dst: Float32Array | Float64Array,
  base: number,
  flags: Uint8Array,
  tag: number,
): void {
  const rs = slot.rowSize;
  const { valid, offsets, elemNull } = f;
  const listy = slot.dims.length === 1;
  const width = listy ? f.width : 1;
  if (offsets === null && width !== rs) {
    // A fixed-size list of another size: every row has the wrong length.
    for (let k = 0; k < n; k++) mark(flags, k, tag);
    return;
  }
  let contiguous = true;
  for (let k = 0; k < n; k++) {
    const i = r0 + k;
    if (valid !== null && valid[i] === 0) {
      mark(flags, k, tag);
      contiguous = false;
      continue;
    }
    if (offsets !== null && offsets[i + 1]! - offsets[i]! !== rs) {
      mark(flags, k, tag);
      contiguous = false;
      continue;
    }
    if (elemNull !== null) {
      const from = offsets !== null ? offsets[i]! : i * width;
      for (let j = 0; j < rs; j++)
        if (elemNull[from + j] === 1) {
          mark(flags, k, tag);
          break;
        }
    }
  }
  // A null row of a fixed-width or scalar column still has its slot: the range stays contiguous.
  if (offsets === null) contiguous = true;
  if (contiguous) {
    const from = offsets !== null ? offsets[r0]! : r0 * width;
    dst.set(src.subarray(from, from + n * rs), base * rs);
    // Known-finite values stay finite unless f64 values narrow to f32 (they may overflow).
    if (f.finite !== true || (src instanceof Float64Array && dst instanceof Float32Array)) scanFinite(dst, base * rs, n, rs, flags, tag);
    return;
  }
  for (let k = 0; k < n; k++) {
    if (flags[k] !== 0) continue;
    const from = offsets![r0 + k]!;
    const at = (base + k) * rs;
    dst.set(src.subarray(from, from + rs), at);
  }
  scanFinite(dst, base * rs, n, rs, flags, tag);
}

/** Mark rows holding a value that is not finite (rows already marked are skipped). */
function scanFinite(dst: Float32Array | Float64Array, start: number, n: number, rs: number, flags: Uint8Array, tag: number): void {
  for (let k = 0; k < n; k++) {
    if (flags[k] !== 0) continue;
    const at = start + k * rs;
    for (let j = 0; j < rs; j++) {
      const x = dst[at + j]!;
      if (x - x !== 0) {
        flags[k] = tag;
        break;
      }
    }
  }
}
