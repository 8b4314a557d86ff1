/**
 * Arrow IPC files (file or stream format; `.arrow`, `.arrows`, `.feather` v2) through apache-arrow.
 * The file is read into memory once and its record batches are the groups; columns are zero-copy
 * views: numeric columns and (fixed-size) lists of non-null numbers hand their value buffers to the
 * source as typed arrays, with list offsets; dictionary-encoded strings their dictionary and indices;
 * anything else goes through per-row values.
 */
import { readFile } from 'node:fs/promises';
import { DataType, tableFromIPC, type RecordBatch, type Vector } from 'apache-arrow';
import { arrowFailure, columnKey, type ColumnChunk, type ColumnarFile, type FlatColumn, type StringColumn } from './columnar-file.ts';
import { SourceError } from './source-error.ts';

/** JSON-like value of an Arrow value: int64 as number, lists as arrays, null for no value. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && v !== null && typeof (v as { toArray?: unknown }).toArray === 'function' && Symbol.iterator in v) {
    return Array.from(v as Iterable<unknown>, plain);
  }
  return v;
}

type NumArray = FlatColumn['values'];

/** Numeric, non-float16 leaf data whose values are a typed array (no nulls among elements). */
function numericValues(d: Vector['data'][number]): NumArray | null {
  const t = d.type;
  if (!(DataType.isInt(t) || (DataType.isFloat(t) && t.precision !== 0))) return null;
  return d.values as NumArray;
}

/** Arrow's validity bitmap (LSB first, from bit `offset`) as one byte per row. */
function validity(bitmap: Uint8Array | null | undefined, offset: number, n: number): Uint8Array | null {
  if (bitmap === null || bitmap === undefined || bitmap.length === 0) return null;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = offset + i;
    out[i] = (bitmap[b >> 3]! >> (b & 7)) & 1;
  }
  return out;
}

/**
 * A dictionary-encoded string column as the dictionary's strings (decoded once per record batch) and
 * one index per row (-1: null), as Parquet's dictionary strings are kept (parquet-columns.ts): no
 * string is decoded per row. Null when the column is not dictionary-encoded strings.
 */
function dictionaryStrings(d: Vector['data'][number], valid: Uint8Array | null): StringColumn | null {
  const t = d.type;
  // Batches read from IPC are never slices (offset 0): a slice's index buffer is cut but its bitmap is not.
  if (!DataType.isDictionary(t) || !DataType.isUtf8(t.dictionary) || d.dictionary === undefined || d.offset !== 0) return null;
  const dict = Array.from(d.dictionary as Vector, (v) => (v === null ? null : String(v)));
  if (dict.some((v) => v === null)) return null; // a null among the dictionary's values: read per row
  const keys = (d.values as ArrayLike<number>) ?? [];
  const index = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) index[i] = valid !== null && valid[i] === 0 ? -1 : Number(keys[i]);
  return { dict: dict as string[], index };
}

function chunkOf(vec: Vector): ColumnChunk {
  const get = (i: number): unknown => plain(vec.get(i));
  if (vec.data.length !== 1) return { flat: null, get };
  const d = vec.data[0]!;
  const t = d.type;
  const valid = d.nullCount > 0 ? validity(d.nullBitmap, d.offset, d.length) : null;
  const strings = dictionaryStrings(d, valid);
  if (strings !== null) return { flat: null, strings, get: (i) => (strings.index[i]! < 0 ? null : strings.dict[strings.index[i]!]!) };
  let flat: FlatColumn | null = null;
  const direct = numericValues(d);
  if (direct !== null) {
    flat = { values: direct.subarray(d.offset, d.offset + d.length) as NumArray, offsets: null, width: 1, valid, elemNull: null, bool: false };
  } else if (DataType.isFixedSizeList(t) || DataType.isList(t)) {
    const c = d.children[0]!;
    const cv = c.nullCount === 0 ? numericValues(c) : null;
    if (cv !== null) {
      if (DataType.isFixedSizeList(t)) {
        const k = t.listSize;
        const from = c.offset + d.offset * k;
        flat = { values: cv.subarray(from, from + d.length * k) as NumArray, offsets: null, width: k, valid, elemNull: null, bool: false };
      } else {
        const offs = (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + d.length + 1);
        flat = { values: cv.subarray(c.offset) as NumArray, offsets: offs, width: 0, valid, elemNull: null, bool: false };
      }
    }
  }
  return { flat, get };
}

/** Column paths: top-level fields, and struct fields as `a.b`. */
function fieldPaths(fields: readonly { name: string; type: DataType }[], prefix: string[], out: string[], floats: Set<string>): void {
  for (const f of fields) {
    const p = [...prefix, f.name];
    out.push(columnKey(p));
    let t: DataType = f.type;
    while ((DataType.isList(t) || DataType.isFixedSizeList(t)) && t.children[0] !== undefined) t = t.children[0].type;
    if (DataType.isFloat(t)) floats.add(columnKey(p));
    if (DataType.isStruct(f.type)) fieldPaths(f.type.children, p, out, floats);
  }
}

function vectorAt(batch: RecordBatch, path: readonly string[]): Vector | null {
  const whole = batch.getChild(columnKey(path));
  if (whole !== null) return whole;
  let v: Vector | null = batch.getChild(path[0]!);
  for (let k = 1; k < path.length && v !== null; k++) v = v.getChild(path[k]!);
  return v;
}

export async function openArrow(path: string): Promise<ColumnarFile> {
  let batches: RecordBatch[];
  let columns: string[] = [];
  const floatColumns = new Set<string>();
  let bytes: Uint8Array = new Uint8Array(0);
  try {
    bytes = await readFile(path);
    // Refused before apache-arrow sees it: it reads no bytes as a table without columns.
    const why = arrowFailure(bytes, null);
    if (why !== null) throw new SourceError(path, null, 'unreadable', why);
    const table = tableFromIPC(bytes);
    batches = table.batches;
    fieldPaths(table.schema.fields, [], columns, floatColumns);
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(path, null, 'unreadable', arrowFailure(bytes, (err as Error).message) ?? (err as Error).message);
  }
  columns = [...new Set(columns)];
  return {
    groupRows: batches.map((b) => b.numRows),
    groupBytes: batches.map((b) => b.data.byteLength),
    columns,
    floatColumns,
    async readGroup(g, paths) {
      const b = batches[g]!;
      return paths.map((p) => {
        const v = vectorAt(b, p);
        return v === null ? { flat: null, get: () => null } : chunkOf(v);
      });
    },
    async close() {
      batches = [];
    },
  };
}
