/**
 * The fraud replay's rows at any size, in the three formats the benchmarks compare: the example's 5,000
 * recorded rows repeated with fresh ids 0..rows-1, as JSONL, as Parquet (tx a LIST of FLOAT, label INT64,
 * region STRING; row groups of 65,536) and as Arrow IPC (tx a FixedSizeList<Float32>[30]; record batches of
 * 65,536) — the same rows in each. Files are cached in the directory given (`replay-<rows>.<ext>`), written
 * under a `.part` name and renamed when complete, so a killed run never leaves a file that looks whole.
 * Used by bench/main-job.ts and bench/columnar-bound.ts.
 */
import { createWriteStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { ParquetWriter } from 'hyparquet-writer';
import { fileWriter } from 'hyparquet-writer/src/node.js';
import { Field, FixedSizeList, Float32, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, vectorFromArray, Int64 } from 'apache-arrow';

const EXAMPLE = resolve(import.meta.dirname, '../examples/fraud');

interface Rec {
  tx: number[];
  label: number;
  region: string;
}
let cached: Rec[] | undefined;
/** The example's recorded rows (read once). */
const records = (): Rec[] =>
  (cached ??= readFileSync(join(EXAMPLE, 'data/replay.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec));

/** `rows` rows of the example replay, repeated with ids 0..rows-1, as JSONL in `dir`. */
export async function jsonlFile(dir: string, rows: number): Promise<string> {
  const path = join(dir, `replay-${rows}.jsonl`);
  if (existsSync(path)) return path;
  const recs = records();
  const lines = recs.map((r) => JSON.stringify({ tx: r.tx, label: r.label, region: r.region }).slice(1));
  const out = createWriteStream(`${path}.part`);
  for (let i = 0; i < rows; i += 10000) {
    let chunk = '';
    for (let j = i; j < Math.min(rows, i + 10000); j++) chunk += `{"id":${j},${lines[j % recs.length]}\n`;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(`${path}.part`, path);
  return path;
}

const GROUP = 65536;

/** The same rows as Parquet in `dir`: tx a LIST of FLOAT, label INT64, region STRING; row groups of 65,536. */
export function parquetFile(dir: string, rows: number): string {
  const path = join(dir, `replay-${rows}.parquet`);
  if (existsSync(path)) return path;
  const recs = records();
  const schema = [
    { name: 'root', num_children: 4 },
    { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'tx', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    { name: 'label', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'region', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  ] as never;
  const w = new ParquetWriter({ writer: fileWriter(`${path}.part`), schema });
  for (let i = 0; i < rows; i += GROUP) {
    const n = Math.min(GROUP, rows - i);
    const at = (j: number): Rec => recs[(i + j) % recs.length]!;
    w.write({
      rowGroupSize: GROUP,
      columnData: [
        { name: 'id', data: BigInt64Array.from({ length: n }, (_, j) => BigInt(i + j)) },
        { name: 'tx', data: Array.from({ length: n }, (_, j) => at(j).tx) },
        { name: 'label', data: BigInt64Array.from({ length: n }, (_, j) => BigInt(at(j).label)) },
        { name: 'region', data: Array.from({ length: n }, (_, j) => at(j).region) },
      ],
    });
  }
  w.finish();
  renameSync(`${path}.part`, path);
  return path;
}

/** The same rows as an Arrow IPC file in `dir`: tx a FixedSizeList<Float32>[30]; record batches of 65,536. */
export function arrowFile(dir: string, rows: number): string {
  const path = join(dir, `replay-${rows}.arrow`);
  if (existsSync(path)) return path;
  const recs = records();
  const txType = new FixedSizeList(30, new Field('item', new Float32(), false));
  const schema = new Schema([
    new Field('id', new Int64()),
    new Field('tx', txType),
    new Field('label', new Int64()),
    new Field('region', new Utf8()),
  ]);
  const batches: RecordBatch[] = [];
  for (let i = 0; i < rows; i += GROUP) {
    const n = Math.min(GROUP, rows - i);
    const flat = new Float32Array(n * 30);
    for (let j = 0; j < n; j++) flat.set(recs[(i + j) % recs.length]!.tx, j * 30);
    const tx = makeData({ type: txType, length: n, nullCount: 0, child: makeData({ type: new Float32(), length: n * 30, data: flat }) });
    const cols = [
      makeData({ type: new Int64(), length: n, data: BigInt64Array.from({ length: n }, (_, j) => BigInt(i + j)) }),
      tx,
      makeData({ type: new Int64(), length: n, data: BigInt64Array.from({ length: n }, (_, j) => BigInt(recs[(i + j) % recs.length]!.label)) }),
      vectorFromArray(
        Array.from({ length: n }, (_, j) => recs[(i + j) % recs.length]!.region),
        new Utf8(),
      ).data[0]!,
    ];
    batches.push(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: cols })));
  }
  writeFileSync(`${path}.part`, tableToIPC(new Table(schema, batches), 'file'));
  renameSync(`${path}.part`, path);
  return path;
}
