/**
 * One Parquet column chunk decoded page by page into typed arrays, with hyparquet's low-level readers
 * (page headers, decompression, PLAIN / byte-stream-split / delta readers) and our own RLE/bit-packed
 * decoder for levels and dictionary indices (the hot loop: ~2M indices per row group of a 30-float
 * list column). Nothing per row or per value is allocated: levels are Uint8Arrays, values one typed
 * array per chunk, strings the chunk's dictionary plus an Int32Array of indices into it.
 *
 * What it does not decode (an encoding, codec or page type outside the list below) throws
 * {@link Unsupported}, and the caller reads that column chunk through hyparquet's assembling reader.
 *   pages: DICTIONARY_PAGE, DATA_PAGE (v1, RLE levels), DATA_PAGE_V2
 *   values: PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY, RLE (booleans), BYTE_STREAM_SPLIT, DELTA_BINARY_PACKED
 *   codecs: those of parquet-codecs.ts (UNCOMPRESSED, SNAPPY, GZIP, BROTLI)
 */
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { deltaBinaryUnpack } from 'hyparquet/src/delta.js';
import { byteStreamSplit, readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { readPlain } from 'hyparquet/src/plain.js';
import type { ColumnMetaData, Compressors, DataReader, PageHeader } from 'hyparquet';
import { snappyDecompress } from './snappy.ts';
import { COMPRESSORS, OTHER_CODECS, READ_CODECS } from './parquet-codecs.ts';
import type { ArrayPool } from './array-pool.ts';

/**
 * Data pages are consumed as soon as they are decompressed (levels decoded, values copied out), so
 * they share one scratch buffer: fewer large allocations, fewer garbage collections. Dictionary
 * pages outlive their page and get their own buffer ({@link COMPRESSORS}).
 */
let scratch = new Uint8Array(1 << 20);
const SCRATCH: Compressors = {
  ...OTHER_CODECS,
  SNAPPY: (input, size) => {
    if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2));
    return snappyDecompress(input, size, scratch.subarray(0, size));
  },
};

/** Definition levels of one page, before we know the chunk needs them kept (see decodeLeafChunk). */
let levelScratch = new Uint8Array(1 << 16);

/** A page or encoding this decoder leaves to hyparquet's assembling reader. */
export class Unsupported extends Error {}

/** Dense values of a numeric leaf (nulls are not stored: see the definition levels). */
export type LeafValues = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** The physical types decoded here, with what they decode to. */
export type LeafKind = 'f32' | 'f64' | 'i32' | 'i64' | 'bool' | 'str';

/** A decoded column chunk: one entry per level (value or null/empty marker), as the file stores them. */
export interface LeafData {
  /** Level entries (the chunk's num_values). */
  count: number;
  /**
   * Definition level per entry; null when every entry is at the max definition level (`defined ===
   * count`) or the column has none.
   */
  def: Uint8Array | null;
  /**
   * Repeated columns (max repetition level 1): the entry index where each row starts (repetition
   * level 0), one per row; null when the column is not repeated.
   */
  starts: Int32Array | null;
  /** Numeric leaves: the non-null values in order (length = entries whose def is the max). */
  values: LeafValues | null;
  /** String leaves: the non-null values as indices into `dict`. */
  index: Int32Array | null;
  dict: string[] | null;
  /** Entries at the max definition level (every entry when it equals `count`: no null, no empty list). */
  defined: number;
  /** Float leaves: every value is known finite (all came through dictionaries without NaN or ±Infinity). */
  finite: boolean;
}

/** Where a leaf sits: its physical kind and level bounds. */
export interface LeafShape {
  kind: LeafKind;
  maxDef: number;
  maxRep: number;
}

const utf8 = new TextDecoder();

/**
 * Decode one column chunk, given the bytes from its first page to its end. Its values, row starts
 * and string indices come from `pool` when one is given (their holder gives them back once done).
 */
export function decodeLeafChunk(bytes: Uint8Array, meta: ColumnMetaData, shape: LeafShape, rows: number, pool?: ArrayPool): LeafData {
  if (shape.maxRep > 1) throw new Unsupported('nested lists');
  if (!READ_CODECS.includes(meta.codec)) throw new Unsupported(`codec ${meta.codec}`);
  const count = Number(meta.num_values);
  const out: LeafData = {
    count,
    def: null,
    starts: shape.maxRep > 0 ? (pool?.take(Int32Array, rows) ?? new Int32Array(rows)) : null,
    values: shape.kind === 'str' ? null : allocValues(shape.kind, count, pool),
    index: shape.kind === 'str' ? (pool?.take(Int32Array, count) ?? new Int32Array(count)) : null,
    dict: shape.kind === 'str' ? [] : null,
    defined: 0,
    finite: shape.kind === 'f32' || shape.kind === 'f64',
  };
  const reader: DataReader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  let dictionary: LeafValues | string[] | null = null;
  /** Whether the dictionary's values are all finite. */
  let continueFinite = false;
  let at = 0; // level entries so far
  let started = 0; // rows started so far
  let dense = 0; // values so far
  while (at < count) {
    if (reader.offset >= bytes.length)
      throw new Error(`column ${meta.path_in_schema.join('.')}: ${count - at} values missing at the end of the chunk`);
    const header = parquetHeader(reader);
    const body = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === 'DICTIONARY_PAGE') {
      const page = decompressPage(body, header.uncompressed_page_size, meta.codec, COMPRESSORS);
      dictionary = readDictionary(page, meta, shape, header.dictionary_page_header?.num_values ?? 0);
      if (shape.kind === 'str') out.dict = (dictionary as string[]).slice();
      continueFinite = dictionary instanceof Float32Array || dictionary instanceof Float64Array ? allFinite(dictionary) : false;
      continue;
    }
    let page: PageBody;
    if (header.type === 'DATA_PAGE') page = pageV1(body, header, meta, shape);
    else if (header.type === 'DATA_PAGE_V2') page = pageV2(body, header, meta, shape);
    else if (header.type === 'INDEX_PAGE') continue;
    else throw new Unsupported(`page type ${header.type}`);
    const n = page.entries;
    if (at + n > count) throw new Error(`column ${meta.path_in_schema.join('.')}: more values in the pages than in the chunk metadata`);
    let nonNull = n;
    if (shape.maxDef > 0) {
      // Kept per entry only once a page holds an entry below the max (a null, an empty list);
      // until then every entry so far is at the max.
      if (out.def === null && levelScratch.length < n) levelScratch = new Uint8Array(n);
      const levels = out.def === null ? levelScratch.subarray(0, n) : out.def.subarray(at, at + n);
      nonNull = readLevels(page.levels, page.defStart, page.defEnd, shape.maxDef, levels);
      if (nonNull < n && out.def === null) {
        out.def = new Uint8Array(count);
        out.def.fill(shape.maxDef, 0, at);
        out.def.set(levels, at);
      }
    }
    out.defined += nonNull;
    if (out.starts !== null) {
      const got = rowStarts(page.levels, page.repStart, page.repEnd, at, n, out.starts, started);
      if (got < 0) throw new Error(`column ${meta.path_in_schema.join('.')}: more rows than the ${rows} of its row group`);
      started = got;
    }
    dense = readValues(page, meta, shape, dictionary, nonNull, out, dense);
    if (!(continueFinite && isDictionary(page.encoding))) out.finite = false;
    at += n;
  }
  if (out.starts !== null && started !== rows) throw new Error(`column ${meta.path_in_schema.join('.')}: ${started} rows in a row group of ${rows}`);
  if (out.values !== null) out.values = out.values.subarray(0, dense);
  if (out.index !== null) out.index = out.index.subarray(0, dense);
  return out;
}

function isDictionary(encoding: string): boolean {
  return encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY';
}

function allocValues(kind: Exclude<LeafKind, 'str'>, n: number, pool?: ArrayPool): LeafValues {
  if (pool !== undefined) return pool.take(VALUE_ARRAY[kind] as new (n: number) => LeafValues, n);
  switch (kind) {
    case 'f32':
      return new Float32Array(n);
    case 'f64':
      return new Float64Array(n);
    case 'i32':
      return new Int32Array(n);
    case 'i64':
      return new BigInt64Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

const VALUE_ARRAY = { f32: Float32Array, f64: Float64Array, i32: Int32Array, i64: BigInt64Array, bool: Uint8Array } as const;

/** A data page with its levels located and its values decompressed. */
interface PageBody {
  entries: number;
  encoding: string;
  /** Bytes holding the levels (the page itself for v1; the uncompressed level section for v2). */
  levels: Uint8Array;
  repStart: number;
  repEnd: number;
  defStart: number;
  defEnd: number;
  /** The values section, uncompressed. */
  values: Uint8Array;
}

function pageV1(body: Uint8Array, header: PageHeader, meta: ColumnMetaData, shape: LeafShape): PageBody {
  const h = header.data_page_header!;
  const page = decompressPage(body, header.uncompressed_page_size, meta.codec, SCRATCH);
  let pos = 0;
  // v1 levels: a 4-byte little-endian length, then the RLE/bit-packed runs.
  const section = (max: number, encoding: string): [number, number] => {
    if (max === 0) return [pos, pos];
    if (encoding !== 'RLE') throw new Unsupported(`${encoding} levels`);
    const len = page[pos]! | (page[pos + 1]! << 8) | (page[pos + 2]! << 16) | (page[pos + 3]! << 24);
    const range: [number, number] = [pos + 4, pos + 4 + len];
    pos += 4 + len;
    return range;
  };
  const [repStart, repEnd] = section(shape.maxRep, h.repetition_level_encoding);
  const [defStart, defEnd] = section(shape.maxDef, h.definition_level_encoding);
  return { entries: h.num_values, encoding: h.encoding, levels: page, repStart, repEnd, defStart, defEnd, values: page.subarray(pos) };
}

function pageV2(body: Uint8Array, header: PageHeader, meta: ColumnMetaData, shape: LeafShape): PageBody {
  const h = header.data_page_header_v2!;
  const repEnd = h.repetition_levels_byte_length;
  const defEnd = repEnd + h.definition_levels_byte_length;
  let values = body.subarray(defEnd);
  const size = header.uncompressed_page_size - defEnd;
  if (h.is_compressed !== false && size > 0) values = decompressPage(values, size, meta.codec, SCRATCH);
  void shape;
  return { entries: h.num_values, encoding: h.encoding, levels: body, repStart: 0, repEnd, defStart: repEnd, defEnd, values };
}

/** Decode levels; returns how many are `max`. */
function readLevels(buf: Uint8Array, start: number, end: number, max: number, out: Uint8Array): number {
  const got = decodeHybrid(buf, start, end, bitWidth(max), out, max);
  if (got < out.length) throw new Error(`levels: ${out.length - got} missing`);
  return hybridMatches;
}

function bitWidth(v: number): number {
  return 32 - Math.clz32(v);
}

/** The dictionary page's values, numbers as a typed array, strings decoded once each. */
function readDictionary(page: Uint8Array, meta: ColumnMetaData, shape: LeafShape, n: number): LeafValues | string[] {
  const reader: DataReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
  if (shape.kind === 'str') return (readPlain(reader, 'BYTE_ARRAY', n, undefined) as Uint8Array[]).map((b) => utf8.decode(b));
  return plainNumbers(reader, meta, shape, n);
}

function plainNumbers(reader: DataReader, meta: ColumnMetaData, shape: LeafShape, n: number): LeafValues {
  if (n === 0) return allocValues(shape.kind as Exclude<LeafKind, 'str'>, 0);
  const v = readPlain(reader, meta.type, n, undefined);
  if (shape.kind === 'bool') return Uint8Array.from(v as boolean[], (b) => (b ? 1 : 0));
  return v as LeafValues;
}

/** Decode a page's `nonNull` values into `out` at value position `dense`; returns the new position. */
function readValues(
  page: PageBody,
  meta: ColumnMetaData,
  shape: LeafShape,
  dictionary: LeafValues | string[] | null,
  nonNull: number,
  out: LeafData,
  dense: number,
): number {
  if (nonNull === 0) return dense;
  const enc = page.encoding;
  const bytes = page.values;
  const reader: DataReader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  if (isDictionary(enc)) {
    if (dictionary === null) throw new Error(`column ${meta.path_in_schema.join('.')}: dictionary-encoded page without a dictionary`);
    const width = bytes[0]!;
    const vals = out.values;
    if (width > 0 && width <= 24 && (dictionary instanceof Float32Array || dictionary instanceof Float64Array || dictionary instanceof Int32Array)) {
      // The hot case (a float list column): indices unpacked and looked up in one pass.
      const got = gatherHybrid(bytes, 1, bytes.length, width, dictionary, vals as typeof dictionary, dense, nonNull);
      if (got < nonNull) throw new Error(`dictionary indices: ${nonNull - got} missing`);
      return dense + nonNull;
    }
    if (shape.kind === 'str') {
      const idx = out.index!.subarray(dense, dense + nonNull);
      indices(bytes, width, idx, dictionary.length);
      return dense + nonNull;
    }
    const idx = new Int32Array(nonNull);
    indices(bytes, width, idx, dictionary.length);
    gather(dictionary as LeafValues, idx, out.values!, dense);
    return dense + nonNull;
  }
  if (shape.kind === 'str') {
    if (enc !== 'PLAIN') throw new Unsupported(`${enc} strings`);
    const strs = readPlain(reader, 'BYTE_ARRAY', nonNull, undefined) as Uint8Array[];
    const dict = out.dict!;
    const idx = out.index!;
    for (let k = 0; k < nonNull; k++) {
      idx[dense + k] = dict.length;
      dict.push(utf8.decode(strs[k]));
    }
    return dense + nonNull;
  }
  let v: LeafValues;
  if (enc === 'PLAIN') v = plainNumbers(reader, meta, shape, nonNull);
  else if (enc === 'RLE' && shape.kind === 'bool') {
    v = new Uint8Array(nonNull);
    readRleBitPackedHybrid(reader, 1, v);
  } else if (enc === 'BYTE_STREAM_SPLIT' && shape.kind !== 'bool') v = byteStreamSplit(reader, nonNull, meta.type, undefined) as LeafValues;
  else if (enc === 'DELTA_BINARY_PACKED' && (shape.kind === 'i32' || shape.kind === 'i64')) {
    v = shape.kind === 'i32' ? new Int32Array(nonNull) : new BigInt64Array(nonNull);
    deltaBinaryUnpack(reader, nonNull, v);
  } else throw new Unsupported(`${enc} values`);
  (out.values as Float32Array).set(v as Float32Array, dense);
  return dense + nonNull;
}

/** Dictionary indices of a page (bit width first), each checked against the dictionary's size. */
function indices(bytes: Uint8Array, width: number, out: Int32Array, size: number): void {
  if (width > 24) throw new Unsupported(`dictionary index width ${width}`);
  const got = width === 0 ? (out.fill(0), out.length) : decodeHybrid(bytes, 1, bytes.length, width, out);
  if (got < out.length) throw new Error(`dictionary indices: ${out.length - got} missing`);
  for (let i = 0; i < out.length; i++) if (out[i]! >= size) throw new Error(`dictionary index ${out[i]} out of range (dictionary of ${size})`);
}

/** out[at + k] = dict[idx[k]]; 64-bit integers moved as two 32-bit halves (no BigInt per value). */
function gather(dict: LeafValues, idx: Int32Array, out: LeafValues, at: number): void {
  if (dict instanceof BigInt64Array) {
    const d = new Int32Array(dict.buffer, dict.byteOffset, dict.length * 2);
    const o = new Int32Array(out.buffer, out.byteOffset + at * 8, idx.length * 2);
    for (let k = 0; k < idx.length; k++) {
      const j = idx[k]! << 1;
      o[k << 1] = d[j]!;
      o[(k << 1) + 1] = d[j + 1]!;
    }
    return;
  }
  if (dict instanceof Float32Array) {
    const o = out as Float32Array;
    for (let k = 0; k < idx.length; k++) o[at + k] = dict[idx[k]!]!;
    return;
  }
  const o = out as Float64Array;
  const d = dict as Float64Array;
  for (let k = 0; k < idx.length; k++) o[at + k] = d[idx[k]!]!;
}

function allFinite(v: Float32Array | Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i]! - v[i]! !== 0) return false;
  return true;
}

/**
 * The row starts in a page's repetition levels (1 bit each, RLE/bit-packed hybrid in buf[pos..end)):
 * entry `at + k` starts a row when its level is 0. Written to starts[found..]; returns the new count,
 * or -1 when there are more starts than room. Bit-packed levels are scanned a byte (8 levels) at a time.
 */
function rowStarts(buf: Uint8Array, pos: number, end: number, at: number, n: number, starts: Int32Array, found: number): number {
  let seen = 0;
  while (seen < n && pos < end) {
    const header = runHeader(buf, pos);
    pos = afterHeader;
    if (header % 2 === 1) {
      const count = Math.min(n - seen, Math.floor(header / 2) * 8);
      for (let k = 0; k < count; k += 8) {
        const byte = buf[pos + (k >> 3)]!;
        if (byte === 0xff) continue;
        const stop = Math.min(8, count - k);
        for (let q = 0; q < stop; q++)
          if (((byte >> q) & 1) === 0) {
            if (found >= starts.length) return -1;
            starts[found++] = at + seen + k + q;
          }
      }
      pos += Math.floor(header / 2);
      seen += count;
    } else {
      const run = Math.min(n - seen, Math.floor(header / 2));
      const value = buf[pos++]!;
      if (value === 0) {
        if (found + run > starts.length) return -1;
        for (let q = 0; q < run; q++) starts[found++] = at + seen + q;
      }
      seen += run;
    }
  }
  if (seen < n) throw new Error(`repetition levels: ${n - seen} missing`);
  return found;
}

/** Set by {@link runHeader}: where the run's data starts. */
let afterHeader = 0;

/** The header of an RLE / bit-packed run (a ULEB128 varint) at buf[pos]: count << 1 | (1 if bit-packed). */
function runHeader(buf: Uint8Array, pos: number): number {
  let header = 0;
  let shift = 0;
  let b: number;
  do {
    b = buf[pos++]!;
    header += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  afterHeader = pos;
  return header;
}

/** An RLE run's value: `bytes` little-endian bytes at buf[pos]. */
function runValue(buf: Uint8Array, pos: number, bytes: number): number {
  let v = 0;
  for (let i = 0; i < bytes; i++) v |= buf[pos + i]! << (8 * i);
  return v;
}

/** Bytes at..at+3 as a little-endian 32-bit word (bytes past the end read as 0). */
function window32(buf: Uint8Array, at: number): number {
  if (at + 3 < buf.length) return buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24);
  let w = 0;
  for (let q = 0; q < 4 && at + q < buf.length; q++) w |= buf[at + q]! << (8 * q);
  return w;
}

/** Set by {@link decodeHybrid}: how many decoded values equal its `count` argument. */
let hybridMatches = 0;

/**
 * {@link decodeHybrid} of dictionary indices straight into out[at .. at + n) through `dict` (same
 * array type); an index outside the dictionary is an error. Returns the values written.
 * @internal exported for the tests
 */
export function gatherHybrid<T extends Float32Array | Float64Array | Int32Array>(
  buf: Uint8Array,
  pos: number,
  end: number,
  width: number,
  dict: T,
  out: T,
  at: number,
  n: number,
): number {
  const mask = (1 << width) - 1;
  const bytesPerValue = (width + 7) >> 3;
  const size = dict.length;
  const last = at + n;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let seen = at;
  while (seen < last && pos < end) {
    const header = runHeader(buf, pos);
    pos = afterHeader;
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2);
      const next = pos + groups * width;
      const stop = Math.min(last, seen + groups * 8);
      // Value k of the run is `width` bits at bit k * width: one unaligned 32-bit little-endian load per
      // value (a DataView read compiles to one; four byte reads and their shifts cost ~25% more of the
      // whole decode), while the window lies inside the page (all but its last few values).
      let bit = pos * 8;
      const safe = Math.min(stop, seen + Math.max(0, Math.floor(((buf.length - 4) * 8 - bit) / width) + 1));
      while (seen < safe) {
        const j = (view.getUint32(bit >> 3, true) >>> (bit & 7)) & mask;
        if (j >= size) throw new Error(`dictionary index ${j} out of range (dictionary of ${size})`);
        out[seen++] = dict[j]!;
        bit += width;
      }
      while (seen < stop) {
        const j = (window32(buf, bit >> 3) >>> (bit & 7)) & mask;
        if (j >= size) throw new Error(`dictionary index ${j} out of range (dictionary of ${size})`);
        out[seen++] = dict[j]!;
        bit += width;
      }
      pos = next;
    } else {
      const run = Math.floor(header / 2);
      const j = runValue(buf, pos, bytesPerValue);
      pos += bytesPerValue;
      if (j >= size) throw new Error(`dictionary index ${j} out of range (dictionary of ${size})`);
      const stop = Math.min(last, seen + run);
      out.fill(dict[j]!, seen, stop);
      seen = stop;
    }
  }
  return seen - at;
}

/**
 * The RLE / bit-packed hybrid of the Parquet spec, `width` <= 24 bits, from buf[pos..end) into out;
 * returns how many values were written (stops at out.length; a bit-packed run's padding is skipped).
 */
export function decodeHybrid(buf: Uint8Array, pos: number, end: number, width: number, out: Uint8Array | Int32Array, count = -1): number {
  const n = out.length;
  let matches = 0;
  const mask = (1 << width) - 1;
  const bytesPerValue = (width + 7) >> 3;
  let seen = 0;
  while (seen < n && pos < end) {
    const header = runHeader(buf, pos);
    pos = afterHeader;
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2);
      const next = pos + groups * width;
      const stop = Math.min(n, seen + groups * 8);
      let bit = pos * 8;
      while (seen < stop) {
        const v = (window32(buf, bit >> 3) >>> (bit & 7)) & mask;
        if (v === count) matches++;
        out[seen++] = v;
        bit += width;
      }
      pos = next;
    } else {
      const run = Math.floor(header / 2);
      const value = runValue(buf, pos, bytesPerValue);
      pos += bytesPerValue;
      const stop = Math.min(n, seen + run);
      out.fill(value, seen, stop);
      if (value === count) matches += stop - seen;
      seen = stop;
    }
  }
  hybridMatches = matches;
  return seen;
}
