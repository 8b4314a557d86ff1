/**
 * A comparison batch in one buffer, to go to another thread (comparison-feed.ts) — and back to the
 * same batch there, value for value.
 *
 * Every typed array is copied byte for byte into one ArrayBuffer, which is then transferred, not cloned:
 * one copy on this thread, none on the way. The `slice_by` strings go as a code per row and each
 * distinct string of the batch once (cloning an array of one string per row cost the sending thread
 * ~0.1 s per 1M rows, more than everything else here together).
 */
import type { ComparisonBatch, LabelArray, ScoreArray } from '../stdlib/metrics/comparison-types.ts';

type ArrayType = 'f32' | 'f64' | 'i32' | 'i64' | 'u8' | 'u16' | 'u32';

/** Where one array of a packed batch lies in its buffer. */
interface Part {
  type: ArrayType;
  offset: number;
  length: number;
}

/** A {@link ComparisonBatch} in one buffer ({@link packBatch}). */
export interface PackedBatch {
  rows: number;
  width: number;
  buffer: ArrayBuffer;
  rowIds: Part;
  control: Part;
  treatment: Part;
  label: Part | null;
  /** A code per row (u8, u16 or u32) into `names`. */
  slice: Part | null;
  names: string[] | null;
}

type Packable = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array;

function typeOf(a: Packable): ArrayType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof BigInt64Array) return 'i64';
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  return 'u32';
}

const CTORS = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  i64: BigInt64Array,
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
} as const;

/** The batch's slice values as codes into its distinct values (first seen first). */
function sliceCodes(slice: readonly string[], rows: number): { codes: Uint8Array | Uint16Array | Uint32Array; names: string[] } {
  const index = new Map<string, number>();
  const names: string[] = [];
  const raw = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) {
    const s = slice[i]!;
    let at = index.get(s);
    if (at === undefined) {
      at = names.length;
      names.push(s);
      index.set(s, at);
    }
    raw[i] = at;
  }
  const codes = names.length <= 0x100 ? Uint8Array.from(raw) : names.length <= 0x10000 ? Uint16Array.from(raw) : raw;
  return { codes, names };
}

/** `b` in one transferable buffer (the batch's arrays are copied; `b` stays usable). */
export function packBatch(b: ComparisonBatch): PackedBatch {
  const rows = b.rows;
  const arrays: Packable[] = [b.rowIds.subarray(0, rows), b.control.subarray(0, rows * b.width), b.treatment.subarray(0, rows * b.width)];
  if (b.label !== undefined) arrays.push(b.label.subarray(0, rows));
  let names: string[] | null = null;
  if (b.slice !== undefined) {
    const s = sliceCodes(b.slice, rows);
    arrays.push(s.codes);
    names = s.names;
  }
  // 8-byte aligned parts, so every view can be made on the buffer as it is.
  let bytes = 0;
  const offsets = arrays.map((a) => {
    const at = bytes;
    bytes += Math.ceil(a.byteLength / 8) * 8;
    return at;
  });
  const buffer = new ArrayBuffer(bytes);
  const dst = new Uint8Array(buffer);
  const parts = arrays.map((a, i): Part => {
    dst.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]!);
    return { type: typeOf(a), offset: offsets[i]!, length: a.length };
  });
  return {
    rows,
    width: b.width,
    buffer,
    rowIds: parts[0]!,
    control: parts[1]!,
    treatment: parts[2]!,
    label: b.label !== undefined ? parts[3]! : null,
    slice: b.slice !== undefined ? parts[parts.length - 1]! : null,
    names,
  };
}

function view(buffer: ArrayBuffer, p: Part): Packable {
  return new CTORS[p.type](buffer, p.offset, p.length);
}

/** The batch {@link packBatch} packed: the same values in the same array types, views of `p.buffer`. */
export function unpackBatch(p: PackedBatch): ComparisonBatch {
  const b: ComparisonBatch = {
    rows: p.rows,
    width: p.width,
    rowIds: view(p.buffer, p.rowIds) as Float64Array,
    control: view(p.buffer, p.control) as ScoreArray,
    treatment: view(p.buffer, p.treatment) as ScoreArray,
  };
  if (p.label !== null) b.label = view(p.buffer, p.label) as LabelArray;
  if (p.slice !== null) {
    const codes = view(p.buffer, p.slice) as Uint8Array | Uint16Array | Uint32Array;
    const names = p.names!;
    const slice = new Array<string>(p.rows);
    for (let i = 0; i < p.rows; i++) slice[i] = names[codes[i]!]!;
    b.slice = slice;
  }
  return b;
}
