/**
 * Parquet files through hyparquet: the metadata once (footer), then one row group at a time, only
 * the columns the plan reads. Flat numeric columns arrive as typed arrays (Float32Array for FLOAT,
 * BigInt64Array for INT64, ...) and are used as they are; nullable, list and struct columns arrive
 * as hyparquet's assembled per-row values. Codecs: UNCOMPRESSED and SNAPPY (hyparquet's built-ins).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type FileMetaData, type SchemaTree } from 'hyparquet';
import { parquetSchema } from 'hyparquet';
import { columnKey, type ColumnChunk, type ColumnarFile } from './columnar-file.ts';
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

export async function openParquet(path: string): Promise<ColumnarFile> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const file = fileBuffer(fh, size);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (err) {
      throw new SourceError(path, null, 'unreadable', `not a readable Parquet file (${(err as Error).message})`);
    }
    const cols = new Map<string, { top: string; rest: string[] }>();
    const floatColumns = new Set<string>();
    schemaColumns(parquetSchema(metadata), [], cols, floatColumns);
    const groupRows = metadata.row_groups.map((g) => Number(g.num_rows));
    const groupBytes = metadata.row_groups.map((g) => Number(g.total_compressed_size ?? g.total_byte_size));
    const starts: number[] = [];
    let at = 0;
    for (const n of groupRows) {
      starts.push(at);
      at += n;
    }
    return {
      groupRows,
      groupBytes,
      columns: [...cols.keys()],
      floatColumns,
      async readGroup(g, paths) {
        const tops = [...new Set(paths.map((p) => cols.get(columnKey(p))!.top))];
        const parts = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
        try {
          await parquetRead({
            file,
            metadata,
            columns: tops,
            rowStart: starts[g]!,
            rowEnd: starts[g]! + groupRows[g]!,
            onChunk: (c) => {
              (parts.get(c.columnName) ?? parts.set(c.columnName, []).get(c.columnName)!).push({ rowStart: c.rowStart, data: c.columnData });
            },
          });
        } catch (err) {
          throw new SourceError(path, null, 'unreadable', `row group ${g}: ${(err as Error).message}`);
        }
        return paths.map((p) => {
          const { top, rest } = cols.get(columnKey(p))!;
          return chunkOf(parts.get(top) ?? [], starts[g]!, groupRows[g]!, rest);
        });
      },
      async close() {
        await fh.close();
      },
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
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
    return { flat: { values, offsets: null, width: 1, valid: null, bool: false }, get: (i) => plain(values[i]) };
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
