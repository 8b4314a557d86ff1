/**
 * The Parquet page decoder (parquet-pages.ts, parquet-columns.ts) and the column-at-a-time batch fill
 * (columnar-fill.ts): the same rows, values, row ids and bad-row verdicts as the JSONL file holding the
 * same records and as hyparquet's assembling reader, over nulls, wrong list lengths, null list
 * elements, dictionary strings, optional columns, structs, several row groups and shards, and
 * version-1 pages; and the fallback to hyparquet's reader for a column chunk whose encoding the
 * decoder does not read.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import { ByteWriter, parquetWriteBuffer } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { columns, field, jsonl, readAll, tempDir, writeData } from './source-helpers.ts';
import { openParquet } from '../../../runtime/sources/parquet-file.ts';
import type { PlanInput } from '../../../plan/plan-types.ts';

const dir = tempDir();

interface Rec {
  id: number;
  x?: number;
  tx?: (number | null)[];
  label?: number;
  region?: string;
  ok?: boolean;
  payload?: { score?: number };
}

const REGIONS = ['eu', 'us', 'apac', 'latam'];

function records(n: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const r: Rec = { id: i, x: i / 8, tx: [i, i + 0.25, -i - 1], label: i % 3, region: REGIONS[i % 4], ok: i % 2 === 0, payload: { score: i / 3 } };
    if (i % 11 === 4) r.tx = [1, 2]; // wrong-length
    if (i % 23 === 7) r.tx = []; // wrong-length (empty list)
    if (i % 13 === 6) r.tx = [1, null, 3]; // nan (null element)
    if (i % 29 === 10) delete r.tx; // missing-field (null list)
    if (i % 17 === 8) delete r.x; // missing-field
    if (i % 5 === 2) delete r.label; // an optional input missing after it is present
    if (i % 19 === 9) delete r.region; // missing-field (string)
    if (i % 31 === 12) r.payload = {}; // missing-field (struct field)
    if (i % 37 === 14) delete r.payload; // missing-field (struct)
    out.push(r);
  }
  return out;
}

function toJsonl(recs: Rec[]): string {
  return jsonl(recs.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))));
}

/** The records as Parquet, with optional per-column encodings (the writer's default: dictionary when it pays). */
function toParquet(recs: Rec[], rowGroupSize: number, enc: { tx?: string; region?: string; x?: string } = {}): Buffer {
  const schema = [
    { name: 'root', num_children: 7 },
    { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    { name: 'tx', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
    { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
    { name: 'region', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'ok', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
    { name: 'payload', repetition_type: 'OPTIONAL', num_children: 1 },
    { name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  ] as never;
  const col = <T>(f: (r: Rec) => T | undefined): (T | null)[] => recs.map((r) => f(r) ?? null);
  return Buffer.from(
    parquetWriteBuffer({
      schema,
      rowGroupSize,
      columnData: [
        { name: 'id', data: Int32Array.from(recs, (r) => r.id) },
        { name: 'x', data: col((r) => r.x), encoding: enc.x as never },
        { name: 'tx', data: col((r) => r.tx), encoding: enc.tx as never },
        { name: 'label', data: col((r) => (r.label === undefined ? undefined : BigInt(r.label))) },
        { name: 'region', data: col((r) => r.region), encoding: enc.region as never },
        { name: 'ok', data: col((r) => r.ok) },
        { name: 'payload', data: col((r) => (r.payload === undefined ? undefined : { score: r.payload.score ?? null })) },
      ],
    }),
  );
}

const inputs: PlanInput[] = [
  field('id', 'i32', ['batch']),
  field('x', 'f64', ['batch']),
  field('tx', 'f32', ['batch', 3]),
  field('label', 'i64', ['batch'], { optional: true }),
  field('region', 'str', ['batch']),
  field('ok', 'bool', ['batch']),
  field('score', 'f32', ['batch'], { path: ['payload', 'score'] }),
  columns('idx', 'f64', [['id'], ['x']]),
];

type Read = Awaited<ReturnType<typeof readAll>>;

function expectSameRows(got: Read, want: Read): void {
  expect(got.rowIds).toEqual(want.rowIds);
  expect(got.lines).toEqual(want.lines);
  expect(got.values).toEqual(want.values);
  expect(got.stats.skipped).toEqual(want.stats.skipped);
  expect(got.stats.rowsRead).toBe(want.stats.rowsRead);
  expect(got.stats.rowsGood).toBe(want.stats.rowsGood);
  expect(got.stats.absentOptional).toEqual(want.stats.absentOptional);
  expect(got.stats.examples.map((e) => [e.line, e.reason, e.detail])).toEqual(want.stats.examples.map((e) => [e.line, e.reason, e.detail]));
}

describe('the Parquet page decoder reads what the JSONL source and hyparquet read', () => {
  const recs = records(90);
  const fromJsonl = readAll(writeData(dir, 'same.jsonl', toJsonl(recs)), { inputs, batchSize: 7, maxExamples: 100 });

  it.each([
    ['dictionary pages, 6 row groups', 'dict.parquet', 16, { tx: 'RLE_DICTIONARY', region: 'RLE_DICTIONARY', x: 'RLE_DICTIONARY' }],
    ['dictionary pages, 1 row group', 'one.parquet', 1000, { tx: 'RLE_DICTIONARY', region: 'RLE_DICTIONARY', x: 'RLE_DICTIONARY' }],
    ['PLAIN floats and strings', 'plain.parquet', 16, { tx: 'PLAIN', region: 'PLAIN', x: 'PLAIN' }],
    ['BYTE_STREAM_SPLIT floats', 'bss.parquet', 20, { tx: 'BYTE_STREAM_SPLIT', x: 'BYTE_STREAM_SPLIT' }],
  ] as [string, string, number, { tx: string; region?: string; x?: string }][])('%s', async (_what, name, groupRows, enc) => {
    const buf = toParquet(recs, groupRows, enc);
    const p = writeData(dir, name, buf);
    // The file holds the encodings the case is about.
    const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer);
    const encodings = (path: string): string[] =>
      meta.row_groups[0]!.columns.find((c) => c.meta_data!.path_in_schema.join('.') === path)!.meta_data!.encodings;
    expect(encodings('tx.list.element')).toContain(enc.tx);
    expect(encodings('region')).toContain(enc.region ?? 'RLE_DICTIONARY');
    const want = await fromJsonl;
    expect(want.stats.skipped).toMatchObject({ 'missing-field': expect.any(Number), 'wrong-length': expect.any(Number), nan: expect.any(Number) });
    for (const tuning of [{}, { columnFill: false }, { parquetPageDecoder: false }, { parquetDecodeThread: true }]) {
      const got = await readAll(p, { inputs, batchSize: 7, maxExamples: 100 }, tuning);
      expectSameRows(got, want);
      expect(got.batches.slice(0, -1).every((b) => b.rows === 7)).toBe(true);
    }
  });

  it('with arrays reused from group to group, every group reads what hyparquet reads, in any order', async () => {
    // Groups of 16 rows and a last one of 10: pooled arrays are views of larger ones there.
    const p = writeData(dir, 'reuse.parquet', toParquet(recs, 16));
    const paths = [['id'], ['x'], ['tx'], ['label'], ['region'], ['ok'], ['payload', 'score']];
    // In this thread, and on the decode thread (arrays going there and back), each group prefetched as the source does.
    const slow = await openParquet(p, { pageDecoder: false });
    for (const decodeThread of [false, true]) {
      const fast = await openParquet(p, { decodeThread });
      try {
        const rowsOf = (g: number, chunks: { get(i: number): unknown }[]): unknown[][] =>
          Array.from({ length: fast.groupRows[g]! }, (_, i) => chunks.map((c) => c.get(i)));
        const order = [0, 5, 1, 1, 4, 0, 2, 3, 5];
        for (let k = 0; k < order.length; k++) {
          const g = order[k]!;
          const chunks = await fast.readGroup(g, paths);
          if (k + 1 < order.length) fast.prefetch?.(order[k + 1]!, paths);
          expect(rowsOf(g, chunks), `group ${g}`).toEqual(rowsOf(g, await slow.readGroup(g, paths)));
        }
      } finally {
        await fast.close();
      }
    }
    await slow.close();
  });

  it('decodes every column into typed arrays or a string dictionary, not per-row values', async () => {
    const p = writeData(dir, 'kinds.parquet', toParquet(recs, 32));
    const f = await openParquet(p);
    try {
      const [id, x, tx, label, region, ok, score] = await f.readGroup(1, [
        ['id'],
        ['x'],
        ['tx'],
        ['label'],
        ['region'],
        ['ok'],
        ['payload', 'score'],
      ]);
      expect(id!.flat!.values).toBeInstanceOf(Int32Array);
      expect(x!.flat!.values).toBeInstanceOf(Float64Array);
      expect(x!.flat!.valid).toBeInstanceOf(Uint8Array);
      expect(tx!.flat!.values).toBeInstanceOf(Float32Array);
      expect(tx!.flat!.offsets).toBeInstanceOf(Int32Array);
      expect(tx!.flat!.elemNull).toBeInstanceOf(Uint8Array);
      expect(label!.flat!.values).toBeInstanceOf(BigInt64Array);
      expect(region!.strings!.dict.length).toBeLessThanOrEqual(REGIONS.length);
      expect(ok!.flat!.bool).toBe(true);
      expect(score!.flat!.values).toBeInstanceOf(Float64Array);
      // Group 1 starts at row 32: row 36 is a plain list, row 39 (39 % 29 === 10) a null one.
      expect(tx!.get(4)).toEqual([36, 36.25, -37]);
      expect(tx!.get(39 - 32)).toBeNull();
      expect(region!.get(0)).toBe('eu');
    } finally {
      await f.close();
    }
  });

  it('a shard by row group reads the same rows as with hyparquet, and the shards add up to the file', async () => {
    const p = writeData(dir, 'shards.parquet', toParquet(recs, 10));
    const whole = await readAll(p, { inputs, batchSize: 8 });
    const parts: Read[] = [];
    for (const index of [0, 1, 2]) {
      const fast = await readAll(p, { inputs, batchSize: 8, shard: { index, count: 3 }, maxExamples: 100 });
      const slow = await readAll(p, { inputs, batchSize: 8, shard: { index, count: 3 }, maxExamples: 100 }, { parquetPageDecoder: false });
      expectSameRows(fast, slow);
      const threaded = await readAll(p, { inputs, batchSize: 8, shard: { index, count: 3 }, maxExamples: 100 }, { parquetDecodeThread: true });
      expectSameRows(threaded, slow);
      // Every shard names the whole file, whichever thread hashed it and whichever groups it decoded.
      expect(threaded.stats.read.sha256).toBe(createHash('sha256').update(readFileSync(p)).digest('hex'));
      expect(fast.stats.read.sha256).toBe(threaded.stats.read.sha256);
      expect(fast.rowIds.every((id) => Math.floor(id / 10) % 3 === index)).toBe(true);
      parts.push(fast);
    }
    expect(parts.flatMap((r) => r.rowIds).sort((a, b) => a - b)).toEqual(whole.rowIds);
    expect(parts.reduce((a, r) => a + r.stats.rowsRead, 0)).toBe(90);
  });

  it('an interleaved shard (fewer groups than shards) reads row by row with the same verdicts', async () => {
    const p = writeData(dir, 'interleaved.parquet', toParquet(recs, 45));
    for (const index of [0, 3]) {
      const fast = await readAll(p, { inputs, batchSize: 5, shard: { index, count: 4 }, maxExamples: 100 });
      const slow = await readAll(p, { inputs, batchSize: 5, shard: { index, count: 4 }, maxExamples: 100 }, { parquetPageDecoder: false });
      expectSameRows(fast, slow);
      expect(fast.rowIds.every((id) => id % 4 === index)).toBe(true);
    }
  });

  it('an optional input whose column is null in the first good row stays absent', async () => {
    const some = recs.map((r, i) => (i < 3 ? { ...r, label: undefined } : r));
    const p = writeData(dir, 'absent.parquet', toParquet(some, 16));
    const want = await readAll(writeData(dir, 'absent.jsonl', toJsonl(some)), { inputs, batchSize: 7 });
    const got = await readAll(p, { inputs, batchSize: 7 });
    expect(got.stats.absentOptional).toEqual(['label']);
    expectSameRows(got, want);
  });

  it('falls back to hyparquet for a column chunk whose encoding the decoder does not read (DELTA_BYTE_ARRAY strings)', async () => {
    const p = writeData(dir, 'delta.parquet', toParquet(recs, 16, { region: 'DELTA_BYTE_ARRAY' }));
    // The decode thread says so the same way (its Unsupported comes back as one).
    for (const decodeThread of [false, true]) {
      const f = await openParquet(p, { decodeThread });
      try {
        const [region, tx] = await f.readGroup(0, [['region'], ['tx']]);
        expect(region!.strings ?? null).toBeNull();
        expect(tx!.flat!.offsets).toBeInstanceOf(Int32Array);
        expect(region!.get(0)).toBe('eu');
      } finally {
        await f.close();
      }
    }
    expectSameRows(await readAll(p, { inputs, batchSize: 7, maxExamples: 100 }), await fromJsonl);
    expectSameRows(await readAll(p, { inputs, batchSize: 7, maxExamples: 100 }, { parquetDecodeThread: true }), await fromJsonl);
  });

  it('counts NaN and infinite list elements and f32 overflow like the text sources', async () => {
    const buf = parquetWriteBuffer({
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'tx', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'DOUBLE', repetition_type: 'REQUIRED' },
        { name: 'y', type: 'FLOAT', repetition_type: 'REQUIRED' },
      ] as never,
      columnData: [
        {
          name: 'tx',
          data: [
            [1, 2],
            [3, Number.NaN],
            [Infinity, 0],
            [1e300, 1],
            [5, 6],
          ],
        },
        { name: 'y', data: Float32Array.of(1, 2, 3, 4, Number.NaN), encoding: 'PLAIN' },
      ],
    });
    const p = writeData(dir, 'nan-list.parquet', Buffer.from(buf));
    const r = await readAll(p, { inputs: [field('tx', 'f32', ['batch', 2]), field('y', 'f64', ['batch'])] });
    expect(r.values.tx).toEqual([1, 2]);
    expect(r.stats.examples.map((e) => [e.line, e.reason, e.detail])).toEqual([
      [2, 'nan', 'field "tx": element 1 is NaN'],
      [3, 'nan', 'field "tx": element 0 is Infinity'],
      [4, 'nan', 'field "tx": element 0 is 1e+300, which overflows f32'],
      [5, 'nan', 'field "y" is NaN'],
    ]);
  });
});

/** A column chunk of version-1 data pages, written by hand (the writer above only writes version 2). */
interface V1Page {
  rep: number[];
  def: number[];
  values: Float32Array | Float64Array;
  codec: 'UNCOMPRESSED' | 'SNAPPY';
}

/** RLE-encoded levels with their 4-byte length, as version-1 pages hold them. */
function v1Levels(levels: number[], max: number): Uint8Array {
  if (max === 0) return new Uint8Array(0);
  const w = new ByteWriter();
  writeRleBitPackedHybrid(w, levels, 32 - Math.clz32(max));
  const body = new Uint8Array(w.getBuffer());
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

function v1File(schema: object[], chunks: { path: string[]; type: string; maxRep: number; maxDef: number; pages: V1Page[] }[], rows: number): Buffer {
  const w = new ByteWriter();
  w.appendUint32(0x31524150);
  const columns = chunks.map((c) => {
    const start = w.offset;
    let numValues = 0;
    for (const p of c.pages) {
      const raw = new Uint8Array(p.values.buffer, p.values.byteOffset, p.values.byteLength);
      const levels = [v1Levels(p.rep, c.maxRep), v1Levels(p.def, c.maxDef)];
      const body = new Uint8Array([...levels[0]!, ...levels[1]!, ...raw]);
      const packed = p.codec === 'SNAPPY' ? snappyCompress(body) : body;
      writePageHeader(w, {
        type: 'DATA_PAGE',
        uncompressed_page_size: body.length,
        compressed_page_size: packed.length,
        data_page_header: { num_values: p.def.length, encoding: 'PLAIN', definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
      } as never);
      w.appendBytes(packed);
      numValues += p.def.length;
    }
    const meta = {
      type: c.type,
      encodings: ['PLAIN', 'RLE'],
      path_in_schema: c.path,
      codec: c.pages[0]!.codec,
      num_values: BigInt(numValues),
      total_uncompressed_size: BigInt(w.offset - start),
      total_compressed_size: BigInt(w.offset - start),
      data_page_offset: BigInt(start),
    };
    return { file_offset: BigInt(start), meta_data: meta };
  });
  writeMetadata(w, {
    version: 2,
    schema,
    num_rows: BigInt(rows),
    row_groups: [{ columns, total_byte_size: BigInt(w.offset), num_rows: BigInt(rows) }],
    created_by: 'm4 test',
  } as never);
  w.appendUint32(0x31524150);
  return Buffer.from(w.getBuffer());
}

describe('version-1 data pages', () => {
  it('read levels and values as hyparquet does, across pages and codecs', async () => {
    const schema = [
      { name: 'root', num_children: 2 },
      { name: 'tx', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
      { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    ];
    // Rows: [1,2,3], null, [4,null,6], [], [7,8] | [9,10,11]; x: 0.5, null, 1.5, 2.5, 3.5, 4.5.
    const buf = v1File(
      schema,
      [
        {
          path: ['tx', 'list', 'element'],
          type: 'FLOAT',
          maxRep: 1,
          maxDef: 3,
          pages: [
            {
              rep: [0, 1, 1, 0, 0, 1, 1, 0, 0, 1],
              def: [3, 3, 3, 0, 3, 2, 3, 1, 3, 3],
              values: Float32Array.of(1, 2, 3, 4, 6, 7, 8),
              codec: 'SNAPPY',
            },
            { rep: [0, 1, 1], def: [3, 3, 3], values: Float32Array.of(9, 10, 11), codec: 'SNAPPY' },
          ],
        },
        {
          path: ['x'],
          type: 'DOUBLE',
          maxRep: 0,
          maxDef: 1,
          pages: [{ rep: [], def: [1, 0, 1, 1, 1, 1], values: Float64Array.of(0.5, 1.5, 2.5, 3.5, 4.5), codec: 'UNCOMPRESSED' }],
        },
      ],
      6,
    );
    const p = writeData(dir, 'v1.parquet', buf);
    const v1Inputs = [field('tx', 'f32', ['batch', 3]), field('x', 'f64', ['batch'])];
    const f = await openParquet(p);
    try {
      const [tx] = await f.readGroup(0, [['tx']]);
      expect(tx!.flat!.offsets).toEqual(Int32Array.of(0, 3, 3, 6, 6, 8, 11));
    } finally {
      await f.close();
    }
    const got = await readAll(p, { inputs: v1Inputs, batchSize: 4 });
    expect(got.rowIds).toEqual([0, 5]);
    expect(got.values).toEqual({ tx: [1, 2, 3, 9, 10, 11], x: [0.5, 4.5] });
    expect(got.stats.examples.map((e) => [e.line, e.reason, e.detail])).toEqual([
      [2, 'missing-field', 'field "tx" is missing'],
      [3, 'nan', 'field "tx": element 1 is null'],
      [4, 'wrong-length', 'field "tx": expected 3 numbers, got 0'],
      [5, 'wrong-length', 'field "tx": expected 3 numbers, got 2'],
    ]);
    expectSameRows(got, await readAll(p, { inputs: v1Inputs, batchSize: 4 }, { parquetPageDecoder: false }));
  });
});
