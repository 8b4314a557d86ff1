/**
 * Parquet compression codecs: UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD, LZ4 and LZ4_RAW files read the
 * same rows, values and bad rows as the JSONL file holding the same records — through the page decoder
 * (on the main thread and on its decode thread) and through hyparquet's assembling reader, which gets
 * the same decompressors; LZO is refused before its group is decoded, naming the column, the codec and
 * the codecs m4 reads.
 *
 * The ZSTD and LZ4 pages are written by the small encoders below (stored blocks and literal-only
 * sequences: valid frames any decoder reads, so the test needs no compressor package); where the
 * `zstd` command is installed, a page it really compresses is read too.
 */
import { execFileSync } from 'node:child_process';
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

/** A Zstandard frame of raw (stored) blocks: magic, a single-segment header with a 4-byte content size, blocks ≤ 128 KiB. */
function zstdStored(b: Uint8Array): Uint8Array {
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0xa0, b.length & 255, (b.length >>> 8) & 255, (b.length >>> 16) & 255, b.length >>> 24];
  const MAX = 1 << 17;
  for (let at = 0; at === 0 || at < b.length; at += MAX) {
    const size = Math.min(MAX, b.length - at);
    const last = at + MAX >= b.length ? 1 : 0;
    const h = last | (size << 3); // block type 0: raw
    parts.push(h & 255, (h >>> 8) & 255, (h >>> 16) & 255, ...b.subarray(at, at + size));
  }
  return Uint8Array.from(parts);
}

/** An LZ4 block of one literal-only sequence (the last sequence of a block needs no match). */
function lz4Literals(b: Uint8Array): Uint8Array {
  const out: number[] = [Math.min(b.length, 15) << 4];
  if (b.length >= 15) {
    let rest = b.length - 15;
    for (; rest >= 255; rest -= 255) out.push(255);
    out.push(rest);
  }
  return Uint8Array.from([...out, ...b]);
}

/** Hadoop's LZ4 framing, which Parquet's deprecated LZ4 codec means: big-endian raw and compressed sizes, then the block. */
function lz4Hadoop(b: Uint8Array): Uint8Array {
  const block = lz4Literals(b);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(b.length, 0);
  head.writeUInt32BE(block.length, 4);
  return Uint8Array.from([...head, ...block]);
}

/** The `zstd` command, when installed: a page really compressed. */
const hasZstd = ((): boolean => {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A test writer's compressor per codec; LZO's writes its input as is: the file must be refused before any page is read. */
const COMPRESS: Record<string, (b: Uint8Array) => Uint8Array> = {
  GZIP: (b) => new Uint8Array(gzipSync(b)),
  BROTLI: (b) => new Uint8Array(brotliCompressSync(b)),
  ZSTD: zstdStored,
  LZ4: lz4Hadoop,
  LZ4_RAW: lz4Literals,
  LZO: (b) => b,
};

function toParquet(codec: string, compress: ((b: Uint8Array) => Uint8Array) | undefined = COMPRESS[codec]): Buffer {
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
      compressors: compress === undefined ? undefined : ({ [codec]: compress } as never),
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

  const cases: [string, string, ((b: Uint8Array) => Uint8Array) | undefined][] = [
    ...['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW'].map((c): [string, string, undefined] => [c, c, undefined]),
    ...(hasZstd
      ? [
          ['ZSTD (zstd -19)', 'ZSTD', (b: Uint8Array) => new Uint8Array(execFileSync('zstd', ['-19', '-c', '-q'], { input: b }))] as [
            string,
            string,
            (b: Uint8Array) => Uint8Array,
          ],
        ]
      : []),
  ];

  it.each(cases)('%s: the JSONL file’s rows and bad rows, by every reader', async (name, codec, compress) => {
    const buf = toParquet(codec, compress ?? COMPRESS[codec]);
    const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer);
    expect(new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data!.codec)))).toEqual(new Set([codec]));
    const p = writeData(dir, `${name.replace(/\W+/g, '-')}.parquet`, buf);
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

  it('LZO is refused before its group is decoded, naming the column and what m4 reads', async () => {
    const p = writeData(dir, 'lzo.parquet', toParquet('LZO'));
    for (const tuning of [{}, { parquetPageDecoder: false }]) {
      const src = openSource(p, { inputs, batchSize: 64, onBadRow: 'skip' }, tuning);
      await expect(src[Symbol.asyncIterator]().next()).rejects.toThrow(
        /lzo\.parquet: column "x" is compressed with LZO, which m4 does not read \(it reads UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD, LZ4, LZ4_RAW Parquet\)/,
      );
    }
  });
});
