import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanOutput } from '../../plan/plan-types.ts';
import { OutputsWriter, rowValue } from '../../runtime/outputs-writer.ts';
import { RuntimeError } from '../../runtime/runtime-error.ts';
import { span } from './support/plans.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-outputs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const output = (name: string): PlanOutput => ({ name, ref: { node: name, output: 'out' }, type: { dtype: 'f32', dims: ['batch'] }, span: span(3) });

describe('rowValue', () => {
  it('writes a [batch] tensor as scalars, [batch, k] as arrays, deeper shapes nested', () => {
    const scores = { dtype: 'f32' as const, data: Float32Array.from([0.1, 0.25]), dims: [2] };
    expect(rowValue(scores, 0)).toBe('0.100000001');
    expect(rowValue(scores, 1)).toBe('0.25');
    const probs = { dtype: 'f64' as const, data: Float64Array.from([0.1, 0.9, 0.3, 0.7]), dims: [2, 2] };
    expect(rowValue(probs, 1)).toBe('[0.3,0.7]');
    const cube = { dtype: 'i32' as const, data: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), dims: [2, 2, 2] };
    expect(rowValue(cube, 1)).toBe('[[5,6],[7,8]]');
  });

  it('keeps i64 exact, writes bool as true/false, strings quoted, non-finite floats as null', () => {
    expect(rowValue({ dtype: 'i64', data: BigInt64Array.from([9007199254740993n]), dims: [1] }, 0)).toBe('9007199254740993');
    expect(rowValue({ dtype: 'bool', data: Uint8Array.from([0, 1]), dims: [2] }, 1)).toBe('true');
    expect(rowValue({ dtype: 'str', data: ['a "quoted" \n name'], dims: [1] }, 0)).toBe('"a \\"quoted\\" \\n name"');
    expect(rowValue({ dtype: 'f32', data: Float32Array.from([NaN, Infinity]), dims: [1, 2] }, 0)).toBe('[null,null]');
  });

  it('f32 values read back as the same float32', () => {
    const data = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 ** ((i % 9) - 4));
    const t = { dtype: 'f32' as const, data, dims: [1000] };
    for (let i = 0; i < 1000; i++) expect(Math.fround(Number(rowValue(t, i)))).toBe(data[i]);
  });
});

describe('OutputsWriter', () => {
  it('writes one object per row with its line as `row`', async () => {
    const path = join(dir, 'preds.jsonl');
    const w = OutputsWriter.open(path, [output('score'), output('cls')]);
    await w.write({
      rows: 2,
      rowIds: Float64Array.from([0, 1]),
      lines: Float64Array.from([3, 5]),
      values: {
        score: { dtype: 'f32', data: Float32Array.from([0.5, 0.75]), dims: [2] },
        cls: { dtype: 'i64', data: BigInt64Array.from([0n, 1n]), dims: [2] },
      },
    });
    await w.close();
    expect(readFileSync(path, 'utf8')).toBe('{"row":3,"score":0.5,"cls":0}\n{"row":5,"score":0.75,"cls":1}\n');
  });

  it('refuses an output named like the row field, and an unwritable path, in one line', () => {
    expect(() => OutputsWriter.open(join(dir, 'x.jsonl'), [output('row')])).toThrow(RuntimeError);
    expect(() => OutputsWriter.open(join(dir, 'x.jsonl'), [output('row')])).toThrow(
      /^output `row` \(ab\.m4:3:1\): --out writes each row's line as `row`/,
    );
    expect(() => OutputsWriter.open(join(dir, 'no/such/dir.jsonl'), [output('a')])).toThrow(/^cannot write .*dir\.jsonl: ENOENT$/);
  });
});
