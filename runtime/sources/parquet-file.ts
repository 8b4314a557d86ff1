/**
 * Parquet files: the metadata once (footer), then one row group at a time, only the columns the plan
 * reads, each column chunk read with one positioned read and the next group's fetched while this one
 * is used. Columns the page decoder reads (parquet-columns.ts: numbers, booleans and strings, as
 * scalars under structs or as lists of numbers) are decoded straight into typed arrays
 * (parquet-pages.ts); any other column, or a chunk whose encoding the decoder does not know, is read
 * through hyparquet's assembling reader into per-row values. Codecs: UNCOMPRESSED, SNAPPY, GZIP and
 * BROTLI (parquet-codecs.ts); a chunk compressed otherwise is refused by name.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type ColumnMetaData, type FileMetaData, type SchemaTree } from 'hyparquet';
import { parquetSchema } from 'hyparquet';
import { columnKey, parquetFailure, type ColumnChunk, type ColumnarFile } from './columnar-file.ts';
import { fastLeaf, leafColumn, type FastLeaf } from './parquet-columns.ts';
import { decodeLeafChunk, Unsupported, type LeafData } from './parquet-pages.ts';
import { COMPRESSORS, READ_CODECS } from './parquet-codecs.ts';
import { ParquetDecoder } from './parquet-decoder.ts';
import { ArrayPool } from './array-pool.ts';
import { SourceError } from './source-error.ts';

/** An AsyncBuffer over an open file handle (positioned reads, no streams). */
function fileBuffer(fh: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = end ?? size;
      const buf = new Uint8Array(stop - start);
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.buffer;
    },
  };
}

/** Column paths of a schema: top-level names, and struct fields as `a.b` (lists and maps are leaves). */
function schemaColumns(tree: SchemaTree, prefix: string[], out: Map<string, { top: string; rest: string[] }>, floats: Set<string>): void {
  for (const child of tree.children) {
    const path = [...prefix, child.element.name];
    out.set(columnKey(path), { top: path[0]!, rest: path.slice(1) });
    let leaf = child;
    while (leaf.children.length === 1) leaf = leaf.children[0]!;
    if (leaf.element.type === 'FLOAT' || leaf.element.type === 'DOUBLE') floats.add(columnKey(path));
    const ct = child.element.converted_type,
      lt = child.element.logical_type?.type;
    const isGroup = child.children.length > 0 && ct !== 'LIST' && ct !== 'MAP' && lt !== 'LIST' && lt !== 'MAP';
    if (isGroup && child.element.repetition_type !== 'REPEATED') schemaColumns(child, path, out, floats);
  }
}

/** A JSON-like value: int64 as a number, everything else as hyparquet assembled it. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.some((e) => typeof e === 'bigint' || Array.isArray(e)) ? v.map(plain) : v;
  return v === undefined ? null : v;
}

/** How a Parquet file is read (tests turn the page decoder off to compare with hyparquet's reader). */
export interface ParquetOptions {
  /** Decode the columns it can with the page decoder (default true). */
  pageDecoder?: boolean;
  /**
   * Decode on a thread of its own (parquet-decoder.ts), each group as soon as its bytes are read — but
   * the first group read, decoded on the calling thread while the thread starts — and hash the file there
   * ({@link ColumnarFile.sha256}): default for files of several row groups and at least
   * {@link DECODE_THREAD_MIN_ROWS} rows.
   */
  decodeThread?: boolean;
}

/** Below this many rows a decode thread costs more to start than it saves. */
export const DECODE_THREAD_MIN_ROWS = 200_000;

/** A group's column chunks being fetched (and, with a decode thread, decoded), per column key: call the result for the chunk. */
type Fetch = Map<string, Promise<() => LeafData>>;

export async function openParquet(path: string, options: ParquetOptions = {}): Promise<ColumnarFile> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const file = fileBuffer(fh, size);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (err) {
      const head = new Uint8Array(await file.slice(0, Math.min(4, size))),
        tail = new Uint8Array(await file.slice(Math.max(0, size - 4), size));
      throw new SourceError(path, null, 'unreadable', parquetFailure(size, head, tail, (err as Error).message));
    }
    const cols = new Map<string, { top: string; rest: string[] }>();
    const floatColumns = new Set<string>();
    const schema = parquetSchema(metadata);
    schemaColumns(schema, [], cols, floatColumns);
    const groupRows = metadata.row_groups.map((g) => Number(g.num_rows));
    const groupBytes = metadata.row_groups.map((g) => Number(g.total_compressed_size ?? g.total_byte_size));
    const starts: number[] = [];
    let at = 0;
    for (const n of groupRows) {
      starts.push(at);
      at += n;
    }
    // The page decoder's reading of each column (null: hyparquet's reader), and where its chunks are.
    const fast = new Map<string, FastLeaf | null>();
    const fastOf = (key: string): FastLeaf | null => {
      if (!fast.has(key)) {
        const { top, rest } = cols.get(key)!;
        fast.set(key, options.pageDecoder === false ? null : fastLeaf(schema, [top, ...rest]));
      }
      return fast.get(key)!;
    };
    const chunkMeta = (g: number, leaf: FastLeaf): ColumnMetaData | null => {
      const want = leaf.leafPath.join('\u0000');
      return metadata.row_groups[g]!.columns.find((c) => c.meta_data?.path_in_schema.join('\u0000') === want)?.meta_data ?? null;
    };
    // Column chunk bytes are free once decoded; decoded arrays once the next group is (see array-pool.ts).
    const bytesPool = new ArrayPool();
    const decodedPool = new ArrayPool();
    const threaded = options.decodeThread ?? (groupRows.length > 1 && at >= DECODE_THREAD_MIN_ROWS);
    // Started now (its start-up overlaps the footer's and the models' work), unless no column can use it.
    const decoder: ParquetDecoder | null = threaded && options.pageDecoder !== false ? new ParquetDecoder() : null;
    // The first group read (the one that fixes the layout) is decoded here, while this thread waits for the
    // models to load: the decode thread is still starting then, and the first batch waited for it.
    let onThread = false;
    /** With the decode thread: what was decoded for the group in `last`, to send back once another is read. */
    let lastLeaves: LeafData[] = [];
    const start = (g: number, leaf: FastLeaf, meta: ColumnMetaData, from: number): Promise<() => LeafData> => {
      const rows = groupRows[g]!;
      const len = Number(meta.total_compressed_size);
      if (decoder === null || !onThread) {
        return readAt(fh, from, len, bytesPool).then((bytes) => () => {
          try {
            // Decoded here ahead of a decode thread: fresh arrays, handed to the thread for its pool once read.
            return decodeLeafChunk(bytes, meta, leaf, rows, decoder === null ? decodedPool : undefined);
          } finally {
            // Decoded values are copies: nothing points into the chunk's bytes any more.
            bytesPool.give(bytes);
          }
        });
      }
      // The bytes go to the thread and come back as another buffer object: lent untracked, kept on return.
      return readAt(fh, from, len, bytesPool, false)
        .then((bytes) => decoder.decode(bytes, meta, leaf, rows, (back) => bytesPool.keep(back)))
        .then((d) => () => d);
    };
    const fetches = new Map<number, Fetch>();
    const fetch = (g: number, keys: readonly string[]): Fetch => {
      const have = fetches.get(g) ?? new Map<string, Promise<() => LeafData>>();
      fetches.set(g, have);
      for (const key of keys) {
        const leaf = fastOf(key);
        const meta = leaf === null ? null : chunkMeta(g, leaf);
        if (meta === null || have.has(key)) continue;
        const from = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
        const first = from > 0 && from < Number(meta.data_page_offset) ? from : Number(meta.data_page_offset);
        const p = start(g, leaf!, meta, first);
        p.catch(() => {});
        have.set(key, p);
      }
      return have;
    };
    // The last group decoded, by column: the source reads the first group to find the layout, then again.
    let last: { g: number; chunks: Map<string, ColumnChunk> } | null = null;
    return {
      groupRows,
      groupBytes,
      columns: [...cols.keys()],
      floatColumns,
      // With a decode thread, the file is hashed there, between decodes (the thread is idle most of a replay).
      sha256: decoder === null ? undefined : (signal) => decoder.hash(path, signal),
      prefetch(g, paths) {
        if (g >= 0 && g < groupRows.length) fetch(g, paths.map(columnKey));
      },
      async readGroup(g, paths) {
        const keys = paths.map(columnKey);
        refuseCodecs(path, metadata, g, new Map(keys.map((k) => [cols.get(k)?.top, k])));
        const done = last !== null && last.g === g ? last.chunks : new Map<string, ColumnChunk>();
        // Another group: the previous one's chunks are no longer read (ColumnarFile.readGroup), their arrays are free.
        if (last !== null && last.g !== g) {
          last = null;
          decodedPool.reclaim();
          for (const d of lastLeaves) decoder?.giveBack(d);
          lastLeaves = [];
        }
        const bytes = fetch(
          g,
          keys.filter((k) => !done.has(k)),
        );
        const slow: string[] = [];
        try {
          for (const key of keys) {
            if (done.has(key)) continue;
            const leaf = fastOf(key);
            const meta = leaf === null ? null : chunkMeta(g, leaf);
            const pending = bytes.get(key);
            if (leaf === null || meta === null || pending === undefined) {
              slow.push(key);
              continue;
            }
            try {
              const decoded = (await pending)();
              if (decoder !== null) lastLeaves.push(decoded);
              done.set(key, leafColumn(leaf, decoded, groupRows[g]!, decodedPool));
            } catch (err) {
              if (!(err instanceof Unsupported)) throw err;
              slow.push(key);
            }
          }
          if (slow.length > 0) {
            const tops = [...new Set(slow.map((k) => cols.get(k)!.top))];
            const parts = await readAssembled(file, metadata, tops, starts[g]!, groupRows[g]!);
            for (const key of slow) {
              const { top, rest } = cols.get(key)!;
              done.set(key, chunkOf(parts.get(top) ?? [], starts[g]!, groupRows[g]!, rest));
            }
          }
        } catch (err) {
          if (err instanceof SourceError) throw err;
          throw new SourceError(path, null, 'unreadable', `row group ${g}: ${(err as Error).message}`);
        } finally {
          fetches.delete(g);
        }
        last = { g, chunks: done };
        onThread = true;
        return keys.map((k) => done.get(k)!);
      },
      async close() {
        fetches.clear();
        last = null;
        await decoder?.close();
        await fh.close();
      },
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Refuse group g when a column chunk under one of the top-level columns read (`tops`: top-level
 * name → the column key the plan reads under it) uses a codec m4 does not read (ZSTD, LZ4, …),
 * naming the column, the codec and the codecs it reads, before any of the group is decoded.
 */
function refuseCodecs(path: string, metadata: FileMetaData, g: number, tops: Map<string | undefined, string>): void {
  for (const c of metadata.row_groups[g]?.columns ?? []) {
    const m = c.meta_data;
    if (m === undefined || !tops.has(m.path_in_schema[0]) || READ_CODECS.includes(m.codec)) continue;
    throw new SourceError(
      path,
      null,
      'unsupported',
      `column "${tops.get(m.path_in_schema[0])}" is compressed with ${m.codec}, which m4 does not read (it reads ${READ_CODECS.join(', ')} Parquet): write the file with one of those (e.g. compression="snappy")`,
    );
  }
}

/** `len` bytes at `pos` (one positioned read, repeated only if the system returns fewer), into a buffer from `pool`. */
async function readAt(fh: FileHandle, pos: number, len: number, pool: ArrayPool, track = true): Promise<Uint8Array> {
  const buf = pool.take(Uint8Array, len, track);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) throw new Error(`the file ends inside a column chunk (${len - got} bytes short at byte ${pos + got})`);
    got += bytesRead;
  }
  return buf;
}

/** hyparquet's assembled per-row values of the top-level columns `tops` for one group. */
async function readAssembled(
  file: AsyncBuffer,
  metadata: FileMetaData,
  tops: string[],
  rowStart: number,
  rows: number,
): Promise<Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>> {
  const parts = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
  await parquetRead({
    file,
    metadata,
    columns: tops,
    rowStart,
    rowEnd: rowStart + rows,
    compressors: COMPRESSORS,
    onChunk: (c) => {
      (parts.get(c.columnName) ?? parts.set(c.columnName, []).get(c.columnName)!).push({ rowStart: c.rowStart, data: c.columnData });
    },
  });
  return parts;
}

/** One column of a group from hyparquet's chunks (usually one; several are stitched by row). */
function chunkOf(parts: { rowStart: number; data: ArrayLike<unknown> }[], groupStart: number, rows: number, rest: string[]): ColumnChunk {
  let data: ArrayLike<unknown>;
  if (parts.length === 1 && parts[0]!.rowStart === groupStart && parts[0]!.data.length === rows) data = parts[0]!.data;
  else {
    const all: unknown[] = new Array(rows).fill(null);
    for (const p of parts)
      for (let i = 0; i < p.data.length; i++) {
        const r = p.rowStart - groupStart + i;
        if (r >= 0 && r < rows) all[r] = p.data[i];
      }
    data = all;
  }
  if (rest.length === 0 && ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const values = data as NonNullable<ColumnChunk['flat']>['values'];
    return { flat: { values, offsets: null, width: 1, valid: null, elemNull: null, bool: false }, get: (i) => plain(values[i]) };
  }
  const arr = data;
  if (rest.length === 0) return { flat: null, get: (i) => plain(arr[i]) };
  return {
    flat: null,
    get: (i) => {
      let v: unknown = arr[i];
      for (const k of rest) {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
        v = (v as Record<string, unknown>)[k];
      }
      return plain(v);
    },
  };
}
