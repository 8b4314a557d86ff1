/**
 * Parquet compression codecs: UNCOMPRESSED, SNAPPY, GZIP and BROTLI files read the same rows, values and
 * bad rows as the JSONL file holding the same records — through the page decoder (on the main thread
 * and on its decode thread) and through hyparquet's assembling reader, which gets the same
 * decompressors; any other codec (ZSTD, LZ4, …) is refused before its group is decoded, naming the
 * column, the codec and the codecs m4 reads.
 */
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { field, jsonl, readAll, tempDir, writeData } from './source-helpers.ts';
import { openSource } from '../../../runtime/sources/index.ts';
import type { PlanInput } from '../../../plan/plan-types.ts';

const dir = tempDir();

interface Rec {
  x: number | null;
  tx: (number | null)[] | null;
  region: string | null;
}

const recs: Rec[] = Array.from({ length: 300 }, (_, i) => ({
  x: i % 17 === 8 ? null : i / 8,
  tx: i % 29 === 10 ? null : i % 11 === 4 ? [1, 2] : i % 13 === 6 ? [1, null, 3] : [i, i + 0.25, -i - 1],
  region: ['eu', 'us', 'apac'][i % 3]!,
}));

const inputs: PlanInput[] = [field('x', 'f64', ['batch']), field('tx', 'f32', ['batch', 3]), field('region', 'str', ['batch'])];

/** A test writer's compressor per codec; ZSTD's writes its input as is: the file must be refused before any page is read. */
const COMPRESS: Record<string, (b: Uint8Array) => Uint8Array> = {
  GZIP: (b) => new Uint8Array(gzipSync(b)),
  BROTLI: (b) => new Uint8Array(brotliCompressSync(b)),
  ZSTD: (b) => b,
};

function toParquet(codec: string): Buffer {
  return Buffer.from(
    parquetWriteBuffer({
      schema: [
        { name: 'root', num_children: 3 },
        { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'tx', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
        { name: 'region', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ] as never,
      codec: codec as never,
      compressors: COMPRESS[codec] === undefined ? undefined : ({ [codec]: COMPRESS[codec] } as never),
      rowGroupSize: 100,
      columnData: [
        { name: 'x', data: recs.map((r) => r.x) },
        { name: 'tx', data: recs.map((r) => r.tx) },
        { name: 'region', data: recs.map((r) => r.region), encoding: 'RLE_DICTIONARY' },
      ],
    }),
  );
}

describe('Parquet codecs', () => {
  const want = readAll(writeData(dir, 'same.jsonl', jsonl(recs.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null))))), {
    inputs,
    batchSize: 64,
    maxExamples: 100,
  });

  it.each(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI'])('%s: the JSONL file’s rows and bad rows, by every reader', async (codec) => {
    const buf = toParquet(codec);
    const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer);
    expect(new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data!.codec)))).toEqual(new Set([codec]));
    const p = writeData(dir, `${codec}.parquet`, buf);
    const w = await want;
    expect(w.stats.skipped).toEqual({ 'missing-field': expect.any(Number), 'wrong-length': expect.any(Number), nan: expect.any(Number) });
    for (const tuning of [{}, { parquetDecodeThread: true }, { parquetPageDecoder: false }]) {
      const got = await readAll(p, { inputs, batchSize: 64, maxExamples: 100 }, tuning);
      expect(got.rowIds).toEqual(w.rowIds);
      expect(got.values).toEqual(w.values);
      expect(got.stats.skipped).toEqual(w.stats.skipped);
      expect(got.stats.examples.map((e) => [e.line, e.reason, e.detail])).toEqual(w.stats.examples.map((e) => [e.line, e.reason, e.detail]));
    }
  });

  it('another codec is refused before its group is decoded, naming the column and what m4 reads', async () => {
    const p = writeData(dir, 'zstd.parquet', toParquet('ZSTD'));
    for (const tuning of [{}, { parquetPageDecoder: false }]) {
      const src = openSource(p, { inputs, batchSize: 64, onBadRow: 'skip' }, tuning);
      await expect(src[Symbol.asyncIterator]().next()).rejects.toThrow(
        /zstd\.parquet: column "x" is compressed with ZSTD, which m4 does not read \(it reads UNCOMPRESSED, SNAPPY, GZIP, BROTLI Parquet\)/,
      );
    }
  });
});
