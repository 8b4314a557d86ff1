/**
 * What the columnar source needs from a Parquet or Arrow IPC file: its row groups (Parquet row
 * groups, Arrow record batches), its column paths, and each group's columns decoded — as typed
 * arrays where the format stores them so (flat numeric columns, lists of numbers), with a per-row
 * value accessor for everything else (nested lists, structs, strings, nulls).
 */

/** Flat numeric storage of one column in one group: no per-row objects. */
export interface FlatColumn {
  /** Values; for list columns, the concatenated elements of every row. */
  values: Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array | BigUint64Array;
  /** List columns: row i's elements are values[offsets[i] .. offsets[i+1]). Null for scalars and fixed-size lists. */
  offsets: Int32Array | null;
  /** Fixed-size lists: elements per row; 1 for scalars; 0 with offsets. */
  width: number;
  /** Row validity, 1 = the row has a value (null: every row has one); a row without one is a missing field. */
  valid: Uint8Array | null;
  /** List columns: 1 for each element of `values` that is null (null: none is), the JSON path's `null` element. */
  elemNull: Uint8Array | null;
  /** Booleans stored as 0/1. */
  bool: boolean;
  /** Every value is known to be finite (so no NaN/±Infinity check is needed); absent: unknown. */
  finite?: boolean;
}

/** A string column as a dictionary: row i's value is dict[index[i]] (index -1: no value). No per-row strings. */
export interface StringColumn {
  dict: readonly string[];
  index: Int32Array;
}

/** One column of one group. */
export interface ColumnChunk {
  /**
   * Row i's value as a JSON-like value: number, boolean, string, null (no value), or arrays of
   * those; int64 values as numbers (exact below 2^53).
   */
  get(i: number): unknown;
  /** Typed storage when the column is numeric (or a list of numbers), else null. */
  flat: FlatColumn | null;
  /** Dictionary storage when the column holds strings and the reader kept them so. */
  strings?: StringColumn | null;
}

/** A columnar file, opened. */
export interface ColumnarFile {
  /** Rows per group, in file order. */
  readonly groupRows: readonly number[];
  /** Bytes of each group in the file (for progress), same order. */
  readonly groupBytes: readonly number[];
  /** Every column path the file can serve (top-level names; struct fields as `a.b`). */
  readonly columns: readonly string[];
  /** Columns whose values (or list elements) are stored as floating point, whatever their values. */
  readonly floatColumns: ReadonlySet<string>;
  /**
   * Decode group g's columns at `paths` (each a path in `columns`). The chunks stay valid until
   * another group is read: the file may then reuse their typed arrays (copy what must outlive that).
   */
  readGroup(g: number, paths: readonly (readonly string[])[]): Promise<ColumnChunk[]>;
  /**
   * The whole file's sha256 (hex), computed off the main thread (rejects when `signal` aborts); absent: the
   * source hashes the file itself.
   */
  sha256?: (signal: AbortSignal) => Promise<string>;
  /** A hint: group g's columns at `paths` will be read next (start fetching its bytes). */
  prefetch?(g: number, paths: readonly (readonly string[])[]): void;
  close(): Promise<void>;
}

/** `a.b` for a path, the key both formats index their columns by. */
export function columnKey(path: readonly string[]): string {
  return path.join('.');
}

const PAR1 = 'PAR1';
const ARROW1 = 'ARROW1';
const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

/**
 * Why a file whose footer hyparquet could not read is not Parquet, from its first and last 4 bytes
 * (`size` in all): the reader's own message ("footer != PAR1", "Offset is outside the bounds of the
 * DataView") says nothing about an empty file, or one that was cut short while being copied.
 */
export function parquetFailure(size: number, head: Uint8Array, tail: Uint8Array, message: string): string {
  if (size === 0) return 'the file is empty, not Parquet';
  if (latin1(head.subarray(0, 4)) !== PAR1) return 'not a Parquet file (it does not start with PAR1)';
  if (size < 12 || latin1(tail.subarray(-4)) !== PAR1)
    return 'not a whole Parquet file: it starts as one but ends without the PAR1 footer (cut short?)';
  return `not a readable Parquet file (${message})`;
}

/**
 * Whether the bytes of an Arrow IPC file are usable, and if not why: empty, a file-format file cut
 * short (it starts with the ARROW1 magic but does not end with it), or a stream that apache-arrow
 * could not read (`message`: null when it read it). apache-arrow reads an empty buffer as a table
 * without columns, and a cut file fails with a TypeError about its footer.
 */
export function arrowFailure(bytes: Uint8Array, message: string | null): string | null {
  if (bytes.length === 0) return 'the file is empty, not Arrow IPC';
  const file = latin1(bytes.subarray(0, 6)) === ARROW1;
  if (file && (bytes.length < 12 || latin1(bytes.subarray(-6)) !== ARROW1))
    return 'not a whole Arrow IPC file: it starts as one but ends without the ARROW1 footer (cut short?)';
  if (message === null) return null;
  if (file) return `not a readable Arrow IPC file (${message})`;
  const stream = bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
  return stream
    ? `not a readable Arrow IPC stream: cut short or damaged (${message})`
    : `not an Arrow IPC file or stream (it starts with neither ARROW1 nor a stream message: ${message})`;
}
