import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanOutput } from '../../plan/plan-types.ts';
import type { Tensor } from '../../stdlib/types.ts';
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

/** Each value as the writer wrote it before it wrote bytes (strings per value): files must not change. */
function oldText(t: Tensor, r: number): string {
  const one = (i: number): string => {
    const v = (t.data as ArrayLike<unknown>)[i];
    switch (t.dtype) {
      case 'f32':
      case 'f64':
        return Number.isFinite(v) ? String(t.dtype === 'f32' ? +(v as number).toPrecision(9) : v) : 'null';
      case 'bool':
        return v ? 'true' : 'false';
      case 'str':
        return JSON.stringify(v);
      default:
        return String(v);
    }
  };
  const inner = t.dims.slice(1).reduce((a, b) => a * b, 1);
  const nest = (offset: number, axis: number): string => {
    if (axis === t.dims.length) return one(offset);
    const stride = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    return `[${Array.from({ length: t.dims[axis] }, (_, i) => nest(offset + i * stride, axis + 1)).join(',')}]`;
  };
  return t.dims.length <= 1 ? one(r) : nest(r * inner, 1);
}

describe('OutputsWriter bytes', () => {
  const f32 = fc.float({ noDefaultInfinity: false }).map(Math.fround);
  const column = fc.oneof(
    fc.constant<Tensor['dtype']>('f32'),
    fc.constant<Tensor['dtype']>('f64'),
    fc.constant<Tensor['dtype']>('i32'),
    fc.constant<Tensor['dtype']>('i64'),
    fc.constant<Tensor['dtype']>('bool'),
    fc.constant<Tensor['dtype']>('str'),
  );
  const batch = fc.record({
    rows: fc.integer({ min: 0, max: 6 }),
    inner: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    dtypes: fc.array(column, { minLength: 1, maxLength: 3 }),
    seed: fc.integer(),
  });

  it('are the old per-value text for every dtype and shape, over batches that outgrow the buffer', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        batch,
        fc.array(f32, { minLength: 64, maxLength: 64 }),
        fc.array(fc.string({ unit: 'grapheme' }), { minLength: 8, maxLength: 8 }),
        async (b, floats, strs) => {
          const per = b.inner.reduce((x, y) => x * y, 1);
          const len = b.rows * per;
          const values: Record<string, Tensor> = {};
          const names = b.dtypes.map((_, i) => `o${i}é`);
          b.dtypes.forEach((dtype, c) => {
            const at = (i: number): number => floats[(i * 7 + c + b.seed) & 63];
            const data =
              dtype === 'f32'
                ? Float32Array.from({ length: len }, (_, i) => at(i))
                : dtype === 'f64'
                  ? Float64Array.from({ length: len }, (_, i) => at(i) / 3)
                  : dtype === 'i32'
                    ? Int32Array.from({ length: len }, (_, i) => (b.seed * (i + 1)) | 0)
                    : dtype === 'i64'
                      ? BigInt64Array.from({ length: len }, (_, i) => BigInt(b.seed) * BigInt(i + 1) * 4294967297n)
                      : dtype === 'bool'
                        ? Uint8Array.from({ length: len }, (_, i) => (b.seed >> i) & 1)
                        : Array.from({ length: len }, (_, i) => strs[i & 7]);
            values[names[c]] = { dtype, data, dims: [b.rows, ...b.inner] } as Tensor;
          });
          const lines = Float64Array.from({ length: b.rows }, (_, r) => r * 1000003 + 1);
          const path = join(dir, `p${n++}.jsonl`);
          const w = OutputsWriter.open(path, names.map(output));
          // Several batches through one writer: buffers are reused once written.
          for (let k = 0; k < 3; k++) await w.write({ rows: b.rows, rowIds: lines, lines, values });
          await w.close();
          let expected = '';
          for (let k = 0; k < 3; k++)
            for (let r = 0; r < b.rows; r++)
              expected += `{"row":${lines[r]}${names.map((nm) => `,${JSON.stringify(nm)}:${oldText(values[nm], r)}`).join('')}}\n`;
          expect(readFileSync(path, 'utf8')).toBe(expected);
          rmSync(path);
        },
      ),
      { numRuns: 150 },
    );
  });

  it.skipIf(!existsSync('/dev/full'))('a full disk is reported by the write or the close that meets it, as one line', async () => {
    const rows = 20000;
    const score = { dtype: 'f32' as const, data: new Float32Array(rows).fill(0.5), dims: [rows] };
    const lines = Float64Array.from({ length: rows }, (_, r) => r + 1);
    const w = OutputsWriter.open('/dev/full', [output('score')]);
    const run = async (): Promise<void> => {
      for (let k = 0; k < 3; k++) await w.write({ rows, rowIds: lines, lines, values: { score } });
      await w.close();
    };
    await expect(run()).rejects.toThrow(/^cannot write \/dev\/full: ENOSPC$/);
  });

  it('a batch larger than the first buffer grows it', async () => {
    const rows = 5000;
    const score = { dtype: 'f32' as const, data: Float32Array.from({ length: rows * 4 }, (_, i) => Math.sin(i) / 7), dims: [rows, 4] };
    const lines = Float64Array.from({ length: rows }, (_, r) => r + 1);
    const path = join(dir, 'big.jsonl');
    const w = OutputsWriter.open(path, [output('score')]);
    await w.write({ rows, rowIds: lines, lines, values: { score } });
    await w.close();
    const text = readFileSync(path, 'utf8').split('\n');
    expect(text.length).toBe(rows + 1);
    expect(text[rows - 1]).toBe(`{"row":${rows},"score":${oldText(score, rows - 1)}}`);
  });
});
