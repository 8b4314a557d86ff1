/**
 * `m4c run` from a Parquet file: batches of 16,384 rows by default (1,024 from text files), and the same
 * `--out` bytes as from the JSONL file holding the same rows, whatever the batch size — the models run in
 * worker threads on both (two concurrent models, batches ≥ 256 rows).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { makeOnnxFixtures } from '../support/onnx-fixtures.ts';
import { runM4c } from '../support/run-cli.ts';

const ROWS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'm4-run-columnar-'));
const GRAPH = `input x: f32[batch, 4]
input seg: str[batch]
model a = onnx("models/binary.onnx")
model b = onnx("models/mlp.onnx")
node scaled = clip(x, min: -2.0, max: 2.0)
output p = column(a(x: scaled).probabilities, index: 1)
output q = column(b(x: scaled).probabilities, index: 1)
`;

beforeAll(() => {
  makeOnnxFixtures(join(dir, 'models'));
  writeFileSync(join(dir, 'g.m4'), GRAPH);
  // Values exactly representable as float32, so the JSONL text and the Parquet FLOATs are the same numbers.
  let s = 12345;
  const next = (): number => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return Math.fround((s / 2 ** 31) * 6 - 3);
  };
  const xs = Array.from({ length: ROWS }, () => [next(), next(), next(), next()]);
  const segs = xs.map((_, i) => ['eu', 'us', 'apac'][i % 3]!);
  writeFileSync(join(dir, 'd.jsonl'), xs.map((x, i) => JSON.stringify({ x, seg: segs[i] })).join('\n') + '\n');
  const schema = [
    { name: 'root', num_children: 2 },
    { name: 'x', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    { name: 'seg', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  ] as never;
  const pq = parquetWriteBuffer({
    schema,
    rowGroupSize: 5000,
    columnData: [
      { name: 'x', data: xs },
      { name: 'seg', data: segs },
    ],
  });
  writeFileSync(join(dir, 'd.parquet'), Buffer.from(pq));
});

const run = (data: string, out: string, extra: string[] = []): string => {
  const r = runM4c(['run', join(dir, 'g.m4'), '--data', join(dir, data), '--out', join(dir, out), ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
};

describe('m4c run from a Parquet file', () => {
  it('reads batches of 16,384 rows by default, and writes the same outputs as from JSONL, byte for byte', () => {
    expect(run('d.jsonl', 'j.jsonl')).toContain(`${ROWS.toLocaleString('en')} rows processed in 20 batches`);
    const pq = run('d.parquet', 'p.jsonl');
    expect(pq).toContain(`${ROWS.toLocaleString('en')} rows processed in 2 batches`);
    expect(pq).toContain('engine: workers');
    const want = readFileSync(join(dir, 'j.jsonl'));
    expect(want.toString('utf8').trim().split('\n')).toHaveLength(ROWS);
    expect(readFileSync(join(dir, 'p.jsonl')).equals(want)).toBe(true);
    // --batch-size still decides when given.
    expect(run('d.parquet', 'p1000.jsonl', ['--batch-size', '1000'])).toContain(`${ROWS.toLocaleString('en')} rows processed in 20 batches`);
    expect(readFileSync(join(dir, 'p1000.jsonl')).equals(want)).toBe(true);
  });
});
