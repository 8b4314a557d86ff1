/**
 * Parquet and Arrow IPC sources: the same rows, values, row ids and bad-row verdicts as the JSONL
 * file holding the same records (a null cell standing for an absent JSON field), shards by row group
 * (or interleaved when the groups are fewer than the shards), and typed columns.
 */
import { describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { Dictionary, Field, FixedSizeList, Float32, Int32, Int64, List, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { openArrow } from '../../../runtime/sources/arrow-file.ts';
import { field, columns, jsonl, readAll, tempDir, writeData } from './source-helpers.ts';
import { openSource } from '../../../runtime/sources/index.ts';
import { inspectSample } from '../../../runtime/sources/index.ts';

const dir = tempDir();

/** A record: x (number), tx (list of 3 numbers), label (optional integer); undefined = absent. */
interface Rec {
  x?: number;
  tx?: (number | null)[];
  label?: number;
  a?: number;
  b?: number;
}

function records(n: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const r: Rec = { x: i / 4, tx: [i, i + 0.5, -i - 1], label: i % 3, a: i, b: 2 * i };
    if (i % 11 === 4) r.tx = [1, 2]; // wrong-length
    if (i % 13 === 6) r.tx = [1, null, 3]; // nan (null element)
    if (i % 17 === 8) delete r.x; // missing-field
    if (i % 5 === 2) delete r.label; // missing optional after it is present
    if (i % 19 === 9) delete r.b; // a gathered column missing
    out.push(r);
  }
  return out;
}

function toJsonl(recs: Rec[]): string {
  return jsonl(recs.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))));
}

function toParquet(recs: Rec[], rowGroupSize: number): Buffer {
  const schema = [
    { name: 'root', num_children: 5 },
    { name: 'x', type: 'FLOAT', repetition_type: 'OPTIONAL' },
    { name: 'tx', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
    { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
    { name: 'a', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    { name: 'b', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  ] as never;
  const col = <T>(f: (r: Rec) => T | undefined): (T | null)[] => recs.map((r) => f(r) ?? null);
  return Buffer.from(
    parquetWriteBuffer({
      schema,
      rowGroupSize,
      columnData: [
        { name: 'x', data: col((r) => r.x) },
        { name: 'tx', data: col((r) => r.tx) },
        { name: 'label', data: col((r) => (r.label === undefined ? undefined : BigInt(r.label))) },
        { name: 'a', data: col((r) => r.a) },
        { name: 'b', data: col((r) => r.b) },
      ],
    }),
  );
}

function toArrow(recs: Rec[], batchRows: number, fixed: boolean): Buffer {
  const batches: Table[] = [];
  for (let s = 0; s < recs.length; s += batchRows) {
    const part = recs.slice(s, s + batchRows);
    const txType = fixed ? new FixedSizeList(3, new Field('item', new Float32(), true)) : new List(new Field('item', new Float32(), true));
    batches.push(
      new Table({
        x: vectorFromArray(
          part.map((r) => r.x ?? null),
          new Float32(),
        ),
        // A fixed-size list cannot hold 2 elements: those rows become null there (missing-field).
        tx: vectorFromArray(
          part.map((r) => (r.tx === undefined || (fixed && r.tx.length !== 3) ? null : r.tx)),
          txType,
        ),
        label: vectorFromArray(
          part.map((r) => (r.label === undefined ? null : BigInt(r.label))),
          new Int64(),
        ),
        a: vectorFromArray(
          part.map((r) => r.a ?? null),
          new Float32(),
        ),
        b: vectorFromArray(
          part.map((r) => r.b ?? null),
          new Float32(),
        ),
      }),
    );
  }
  const table = batches.slice(1).reduce((t, b) => t.concat(b), batches[0]!);
  return Buffer.from(tableToIPC(table, 'file'));
}

const inputs = [
  field('x', 'f32', ['batch']),
  field('tx', 'f32', ['batch', 3]),
  field('label', 'i64', ['batch'], { optional: true }),
  columns('ab', 'f64', [['a'], ['b']]),
];

describe('Parquet and Arrow sources read what the JSONL source reads', () => {
  const recs = records(60);
  const fromJsonl = readAll(writeData(dir, 'same.jsonl', toJsonl(recs)), { inputs, batchSize: 7 });

  it.each([
    ['parquet, 4 row groups', () => writeData(dir, 'same.parquet', toParquet(recs, 16))],
    ['parquet, 1 row group', () => writeData(dir, 'one.parquet', toParquet(recs, 1000))],
    ['arrow (list), 3 record batches', () => writeData(dir, 'same.arrow', toArrow(recs, 25, false))],
  ])('%s', async (_what, make) => {
    const want = await fromJsonl;
    const got = await readAll(make(), { inputs, batchSize: 7 });
    expect(got.rowIds).toEqual(want.rowIds);
    expect(got.values).toEqual(want.values);
    expect(got.stats.skipped).toEqual(want.stats.skipped);
    expect(got.stats.rowsRead).toBe(60);
    expect(got.stats.examples.map((e) => [e.line, e.reason, e.detail])).toEqual(want.stats.examples.map((e) => [e.line, e.reason, e.detail]));
    expect(got.batches.slice(0, -1).every((b) => b.rows === 7)).toBe(true);
  });

  it('reads a fixed-size list column straight from its value buffer', async () => {
    const p = writeData(dir, 'fixed.arrow', toArrow(recs, 25, true));
    const got = await readAll(p, { inputs, batchSize: 64 });
    const want = await fromJsonl;
    // Rows whose list had 2 elements are null in the fixed-size column: missing-field instead of wrong-length.
    expect(got.stats.skipped['missing-field']).toBe((want.stats.skipped['missing-field'] ?? 0) + (want.stats.skipped['wrong-length'] ?? 0));
    expect(got.values.tx!.length).toBe(want.values.tx!.length * 1);
  });

  it('counts NaN scalars and overflowing values like the text sources', async () => {
    const buf = parquetWriteBuffer({ columnData: [{ name: 'x', data: Float64Array.of(1, NaN, 1e300, 2), type: 'DOUBLE', nullable: false }] });
    const p = writeData(dir, 'nan.parquet', Buffer.from(buf));
    const r = await readAll(p, { inputs: [field('x', 'f32', ['batch'])] });
    expect(r.values.x).toEqual([1, 2]);
    expect(r.stats.examples.map((e) => [e.line, e.reason, e.detail])).toEqual([
      [2, 'nan', 'field "x" is NaN'],
      [3, 'nan', 'field "x" is 1e+300, which overflows f32'],
    ]);
  });
});

describe('columnar shards', () => {
  const recs = records(40);
  const p = writeData(dir, 'shards.parquet', toParquet(recs, 10));

  it('split by row group when there are enough groups, and add up to the whole file', async () => {
    const whole = await readAll(p, { inputs });
    const parts = await Promise.all([0, 1].map((index) => readAll(p, { inputs, shard: { index, count: 2 } })));
    expect(parts[0]!.rowIds.every((id) => Math.floor(id / 10) % 2 === 0)).toBe(true);
    expect(parts[1]!.rowIds.every((id) => Math.floor(id / 10) % 2 === 1)).toBe(true);
    expect([...parts[0]!.rowIds, ...parts[1]!.rowIds].sort((a, b) => a - b)).toEqual(whole.rowIds);
    expect(parts[0]!.stats.rowsRead + parts[1]!.stats.rowsRead).toBe(40);
    // Every shard uses the file's layout (label present), whatever its first rows.
    expect(parts.every((r) => r.stats.absentOptional.length === 0)).toBe(true);
    // The data identity a merge checks: the same whole file, read to its end, 40 rows in all.
    for (const r of parts) expect(r.stats.read).toEqual(whole.stats.read);
    expect(whole.stats.read.complete).toBe(true);
    expect(parts.map((r) => r.stats.rowsTotal)).toEqual([40, 40]);
  });

  it('interleave rows when the groups are fewer than the shards', async () => {
    const whole = await readAll(p, { inputs });
    const parts = await Promise.all([0, 1, 2, 3, 4].map((index) => readAll(p, { inputs, shard: { index, count: 5 } })));
    parts.forEach((r, index) => expect(r.rowIds.every((id) => id % 5 === index)).toBe(true));
    expect(parts.flatMap((r) => r.rowIds).sort((a, b) => a - b)).toEqual(whole.rowIds);
  });
});

describe('prepare(): the file opened before the first batch (while the models load)', () => {
  const recs = records(60);
  /** Every batch of a source, flattened as readAll does, after prepare() when asked. */
  const read = async (path: string, prepare: boolean, extra: { shard?: { index: number; count: number } } = {}) => {
    const src = openSource(path, { inputs, batchSize: 7, onBadRow: 'skip', ...extra }, { parquetDecodeThread: true });
    if (prepare) {
      await src.prepare!();
      // Nothing is counted before the first batch is asked for.
      expect(src.stats.rowsRead).toBe(0);
      expect(src.stats.rowsGood).toBe(0);
    }
    const rows: number[] = [];
    const values: unknown[] = [];
    for await (const b of src) {
      for (let i = 0; i < b.rows; i++) rows.push(b.rowIds[i]!);
      for (const t of Object.values(b.tensors)) values.push(...Array.from(t.data as ArrayLike<unknown>));
    }
    return { rows, values, skipped: src.stats.skipped, examples: src.stats.examples, read: src.stats.rowsRead };
  };

  it.each([
    ['parquet, 4 row groups, decode thread', () => writeData(dir, 'prep.parquet', toParquet(recs, 16))],
    ['parquet, 1 row group', () => writeData(dir, 'prep-one.parquet', toParquet(recs, 1000))],
    ['arrow, 3 record batches', () => writeData(dir, 'prep.arrow', toArrow(recs, 25, false))],
  ])('%s: the same rows, values and bad rows as without it', async (_what, make) => {
    const p = make();
    expect(await read(p, true)).toEqual(await read(p, false));
  });

  it('shards by row group: the same rows (the first group read is not always the one that fixed the layout)', async () => {
    const p = writeData(dir, 'prep-shards.parquet', toParquet(recs, 10));
    for (const index of [0, 1, 2]) {
      const shard = { index, count: 3 };
      expect(await read(p, true, { shard })).toEqual(await read(p, false, { shard }));
    }
  });

  it('close() while preparing ends the source (no batch, no open file left behind)', async () => {
    const p = writeData(dir, 'prep-close.parquet', toParquet(recs, 16));
    const src = openSource(p, { inputs, batchSize: 7, onBadRow: 'skip' }, { parquetDecodeThread: true });
    const preparing = src.prepare!();
    await src.close();
    await preparing;
    expect(await src[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
    expect(src.stats.rowsRead).toBe(0);
  });

  it('a file that cannot be opened: prepare() rejects, and next() reports the same error', async () => {
    const p = writeData(dir, 'prep-fake.parquet', 'not parquet at all\n');
    const src = openSource(p, { inputs: [field('x', 'f32', ['batch'])], batchSize: 4, onBadRow: 'skip' });
    await expect(src.prepare!()).rejects.toThrow(/not a Parquet file \(it does not start with PAR1\)/);
    await expect(src[Symbol.asyncIterator]().next()).rejects.toThrow(/not a Parquet file \(it does not start with PAR1\)/);
  });
});

describe('columnar files: errors and inspection', () => {
  it('refuse a required column the file does not have, naming the columns it has', async () => {
    const p = writeData(dir, 'cols.parquet', toParquet(records(5), 10));
    const src = openSource(p, { inputs: [field('nope', 'f32', ['batch'])], batchSize: 4, onBadRow: 'skip' });
    await expect(src[Symbol.asyncIterator]().next()).rejects.toThrow(/column "nope" is not in the file \(it has: x, tx, label, a, b\)/);
  });

  it('count every row by its own reason when no row of the file is good', async () => {
    const buf = parquetWriteBuffer({ columnData: [{ name: 'x', data: [null, Number.NaN, null], type: 'DOUBLE' }] });
    const p = writeData(dir, 'none-good.parquet', Buffer.from(buf));
    const r = await readAll(p, { inputs: [field('x', 'f32', ['batch'])] });
    expect(r.rowIds).toEqual([]);
    expect(r.stats.skipped).toEqual({ 'missing-field': 2, nan: 1 });
    expect(r.stats.rowsRead).toBe(3);
  });

  it('refuse a file that is not Parquet', async () => {
    const p = writeData(dir, 'fake.parquet', 'not parquet at all\n');
    const src = openSource(p, { inputs: [field('x', 'f32', ['batch'])], batchSize: 4, onBadRow: 'skip' });
    await expect(src[Symbol.asyncIterator]().next()).rejects.toThrow(/not a Parquet file \(it does not start with PAR1\)/);
  });

  it('refuse an Arrow IPC stream cut short, and inspect nothing of it', async () => {
    const whole = Buffer.from(tableToIPC(new Table({ x: vectorFromArray([1, 2, 3], new Float32()) }), 'stream'));
    const p = writeData(dir, 'cut.arrows', whole.subarray(0, whole.length - 20));
    const src = openSource(p, { inputs: [field('x', 'f32', ['batch'])], batchSize: 4, onBadRow: 'skip' });
    await expect(src[Symbol.asyncIterator]().next()).rejects.toThrow(/not a readable Arrow IPC stream: cut short or damaged/);
    await expect(inspectSample(p, 10)).rejects.toThrow(/not a readable Arrow IPC stream/);
  });

  it('read dictionary-encoded Arrow strings as the dictionary and an index per row, nulls as missing fields', async () => {
    const regions = Array.from({ length: 90 }, (_, i) => (i % 7 === 3 ? null : ['eu', 'us', 'apac'][i % 3]!));
    const whole = vectorFromArray(regions, new Dictionary(new Utf8(), new Int32()));
    const x = vectorFromArray(
      regions.map((_, i) => i),
      new Float32(),
    );
    // Three record batches sharing the dictionary (the file format allows no replacement).
    const parts = [0, 30, 60].map((at) => new Table({ x: x.slice(at, at + 30), region: whole.slice(at, at + 30) }));
    const table = parts.slice(1).reduce((t, b) => t.concat(b), parts[0]!);
    const p = writeData(dir, 'dict.arrow', Buffer.from(tableToIPC(table, 'file')));
    const file = await openArrow(p);
    expect(file.groupRows).toEqual([30, 30, 30]);
    const [chunk] = await file.readGroup(1, [['region']]);
    expect(chunk!.strings!.dict).toEqual(['eu', 'us', 'apac']);
    // Rows 30..35 of the file: eu, null (31 % 7 === 3), apac, eu, us, apac.
    expect(Array.from(chunk!.strings!.index.subarray(0, 6))).toEqual([0, -1, 2, 0, 1, 2]);
    expect([chunk!.get(1), chunk!.get(4)]).toEqual([null, 'us']);
    await file.close();
    const want = await readAll(writeData(dir, 'dict.jsonl', jsonl(regions.map((r, i) => (r === null ? { x: i } : { x: i, region: r })))), {
      inputs: [field('x', 'f32', ['batch']), field('region', 'str', ['batch'])],
      batchSize: 16,
      maxExamples: 100,
    });
    const got = await readAll(p, { inputs: [field('x', 'f32', ['batch']), field('region', 'str', ['batch'])], batchSize: 16, maxExamples: 100 });
    expect(want.stats.skipped).toEqual({ 'missing-field': 13 });
    expect(got.values).toEqual(want.values);
    expect(got.rowIds).toEqual(want.rowIds);
    expect(got.stats.examples.map((e) => [e.line, e.reason, e.detail])).toEqual(want.stats.examples.map((e) => [e.line, e.reason, e.detail]));
  });

  it('refuse a Parquet or Arrow IPC file read as text (misnamed, or on standard input), not count its bytes as bad rows', async () => {
    const x = [field('x', 'f32', ['batch'])];
    const arrow = Buffer.from(tableToIPC(new Table({ x: vectorFromArray([1, 2], new Float32()) }), 'file'));
    const stream = Buffer.from(tableToIPC(new Table({ x: vectorFromArray([1, 2], new Float32()) }), 'stream'));
    for (const [name, bytes, kind] of [
      ['pq.jsonl', toParquet(records(5), 10), /this is Parquet, not JSONL or CSV text: Parquet is read by position, from a file named \*\.parquet/],
      ['ar.csv', arrow, /this is Arrow IPC, not JSONL or CSV text/],
      ['st.jsonl', stream, /this is Arrow IPC, not JSONL or CSV text/],
    ] as const) {
      const src = openSource(writeData(dir, name, bytes), { inputs: x, batchSize: 4, onBadRow: 'skip' });
      await expect(src[Symbol.asyncIterator]().next(), name).rejects.toThrow(kind);
    }
    // Text that merely starts with the letters is text.
    const csv = await readAll(writeData(dir, 'par1.csv', 'PAR1,x\n1,2\n'), { inputs: x });
    expect(csv.values.x).toEqual([2]);
  });

  it('inspect the schema and first rows for init and compare', async () => {
    const p = writeData(dir, 'inspect.parquet', toParquet(records(30), 10));
    const info = await inspectSample(p, 20);
    expect(info.format).toBe('parquet');
    expect(info.rows).toBe(20);
    const byName = Object.fromEntries(info.fields.map((f) => [f.path.join('.'), f]));
    expect(byName.x!.kind).toBe('float');
    expect(byName.label!.kind).toBe('integer');
    expect(byName.label!.optional).toBe(true);
    expect(byName.a!.kind).toBe('float');
  });
});
