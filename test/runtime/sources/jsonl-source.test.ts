import { describe, expect, it } from 'vitest';
import { openSource } from '../../../runtime/sources/open-source.ts';
import { SourceError } from '../../../runtime/sources/source-error.ts';
import { columns, field, jsonl, readAll, tempDir, writeData } from './source-helpers.ts';

const dir = tempDir();

const rows = Array.from({ length: 20 }, (_, i) => ({
  id: i,
  tx: [i + 0.5, -i, i * 0.1],
  label: i % 2,
  flag: i % 3 === 0,
  region: i % 2 ? 'eu' : 'us',
  payload: { score: i / 4, vec: [i, i + 1] },
}));
const inputs = [
  field('tx', 'f32', ['batch', 3]),
  field('label', 'i64', ['batch']),
  field('flag', 'bool', ['batch']),
  field('region', 'str', ['batch']),
  field('score', 'f64', ['batch'], { path: ['payload', 'score'] }),
  field('vec', 'i32', ['batch', 2], { path: ['payload', 'vec'] }),
];

describe('JSONL source', () => {
  const path = writeData(dir, 'rows.jsonl', jsonl(rows));

  it('reads every dtype, nested fields included, into batch-major tensors', async () => {
    const r = await readAll(path, { inputs });
    expect(r.stats.rowsGood).toBe(20);
    expect(r.stats.rowsRead).toBe(20);
    expect(r.stats.skipped).toEqual({});
    const [b] = r.batches;
    expect(b.tensors.tx.dtype).toBe('f32');
    expect(b.tensors.tx.data).toBeInstanceOf(Float32Array);
    expect(b.tensors.tx.dims).toEqual([20, 3]);
    expect(b.tensors.label.data).toBeInstanceOf(BigInt64Array);
    expect(b.tensors.flag.data).toBeInstanceOf(Uint8Array);
    expect(b.tensors.score.data).toBeInstanceOf(Float64Array);
    expect(b.tensors.vec.data).toBeInstanceOf(Int32Array);
    expect(b.tensors.vec.dims).toEqual([20, 2]);
    expect(Array.isArray(b.tensors.region.data)).toBe(true);
    expect(r.values.tx).toEqual(rows.flatMap((x) => x.tx.map((v) => Math.fround(v) + 0))); // JSON writes -0 as 0
    expect(r.values.label).toEqual(rows.map((x) => BigInt(x.label)));
    expect(r.values.flag).toEqual(rows.map((x) => (x.flag ? 1 : 0)));
    expect(r.values.region).toEqual(rows.map((x) => x.region));
    expect(r.values.score).toEqual(rows.map((x) => x.payload.score));
    expect(r.values.vec).toEqual(rows.flatMap((x) => x.payload.vec));
    expect(r.rowIds).toEqual(rows.map((_, i) => i));
    expect(r.lines).toEqual(rows.map((_, i) => i + 1));
  });

  it('gathers scalar fields into the last axis for a columns source', async () => {
    const p = writeData(
      dir,
      'cols.jsonl',
      jsonl([
        { a: 1, b: 2, c: { d: 3 } },
        { a: 4, b: 5, c: { d: 6 } },
      ]),
    );
    const r = await readAll(p, { inputs: [columns('x', 'f32', [['a'], ['c', 'd'], ['b']])] });
    expect(r.shapes.x).toEqual([3]);
    expect(r.values.x).toEqual([1, 3, 2, 4, 6, 5]);
  });

  it.each([1, 7, 20, 1000])('splits into batches of %i with stable row ids and lines', async (batchSize) => {
    const r = await readAll(path, { inputs, batchSize });
    expect(r.batches.map((b) => b.rows)).toEqual(batchSizes(20, batchSize));
    for (const b of r.batches) {
      for (const t of Object.values(b.tensors)) {
        expect(t.dims[0]).toBe(b.rows);
        expect((t.data as ArrayLike<unknown>).length).toBe(t.dims.reduce((a, d) => a * d, 1));
        // every batch owns its buffer (transferable, no view into a larger array)
        if (ArrayBuffer.isView(t.data)) expect(t.data.byteLength).toBe(t.data.buffer.byteLength);
      }
    }
    expect(r.rowIds).toEqual(rows.map((_, i) => i));
    expect(r.values.tx).toHaveLength(60);
  });

  it('reads the same rows however the file is cut into reads', async () => {
    const whole = await readAll(path, { inputs, batchSize: 3 });
    for (const chunkBytes of [1, 7, 64, 333]) {
      const cut = await readAll(path, { inputs, batchSize: 3 }, { chunkBytes });
      expect(cut.values).toEqual(whole.values);
      expect(cut.lines).toEqual(whole.lines);
    }
  });

  it('yields nothing for an empty file or blank lines only', async () => {
    for (const content of ['', '\n\n  \n\t\r\n']) {
      const p = writeData(dir, `empty-${content.length}.jsonl`, content);
      const r = await readAll(p, { inputs });
      expect(r.batches).toEqual([]);
      expect(r.stats.rowsRead).toBe(0);
      expect(r.stats.bytesRead).toBe(content.length);
      expect(r.stats.totalBytes).toBe(content.length);
    }
  });

  it('reads a last line without newline, CRLF endings, blank lines and a BOM', async () => {
    const text = '\uFEFF{"x":1}\r\n\r\n   \r\n{"x":2}\r\n{"x":3}';
    const p = writeData(dir, 'crlf.jsonl', text);
    for (const chunkBytes of [undefined, 1, 2]) {
      const r = await readAll(p, { inputs: [field('x', 'f32', ['batch'])], batchSize: 2 }, { chunkBytes });
      expect(r.values.x).toEqual([1, 2, 3]);
      expect(r.lines).toEqual([1, 4, 5]);
      expect(r.rowIds).toEqual([0, 1, 2]); // blank lines are not rows
      expect(r.stats.skipped).toEqual({});
    }
  });

  it('accepts whitespace anywhere JSON allows it', async () => {
    const p = writeData(dir, 'spaced.jsonl', '  { "tx" : [ 1 , 2.5 ,\t3 ] , "label": 1 }  \n{"label":0,"tx":[4,5,6]}\n');
    const r = await readAll(p, { inputs: [field('tx', 'f32', ['batch', 3]), field('label', 'i64', ['batch'])] });
    expect(r.values.tx).toEqual([1, 2.5, 3, 4, 5, 6]);
    expect(r.values.label).toEqual([1n, 0n]);
  });

  it('fixes ? and symbolic trailing dims from the first good row, and unifies symbols across inputs', async () => {
    const p = writeData(
      dir,
      'dims.jsonl',
      jsonl([
        {
          a: [1, 2],
          b: [
            [1, 2, 3],
            [4, 5, 6],
          ],
          c: [1, 1],
        },
        {
          a: [1, 2, 3],
          b: [
            [1, 2, 3],
            [4, 5, 6],
          ],
          c: [2, 2],
        },
        {
          a: [3, 4],
          b: [
            [1, 2],
            [4, 5],
          ],
          c: [3, 3],
        },
        {
          a: [5, 6],
          b: [
            [1, 2, 3],
            [4, 5, 6],
          ],
          c: [4, 4, 4],
        },
        {
          a: [7, 8],
          b: [
            [1, 2, 3],
            [4, 5, 6],
          ],
          c: [5, 5],
        },
      ]),
    );
    const r = await readAll(p, {
      inputs: [field('a', 'f32', ['batch', null]), field('b', 'f32', ['batch', 'k', 'n']), field('c', 'f32', ['batch', 'k'])],
    });
    expect(r.shapes).toEqual({ a: [2], b: [2, 3], c: [2] });
    expect(r.lines).toEqual([1, 5]);
    expect(r.stats.skipped).toEqual({ 'wrong-length': 3 });
    expect(r.stats.examples.map((e) => e.detail)).toEqual([
      'field "a": expected 2 numbers, got 3',
      'field "b": expected 3 numbers at [0], got 2',
      'field "c": expected 2 numbers, got 3',
    ]);
  });

  it('rejects a first row whose symbolic dims disagree between inputs', async () => {
    const p = writeData(
      dir,
      'sym.jsonl',
      jsonl([
        { a: [1, 2], c: [1, 2, 3] },
        { a: [1, 2], c: [3, 4] },
      ]),
    );
    const r = await readAll(p, { inputs: [field('a', 'f32', ['batch', 'n']), field('c', 'f32', ['batch', 'n'])] });
    expect(r.lines).toEqual([2]);
    expect(r.stats.examples[0]).toEqual({ line: 1, reason: 'wrong-length', detail: 'field "c": dim n is 3 here but 2 in field "a"' });
  });

  it('converts numbers in a str field to their text and reads escaped strings', async () => {
    const p = writeData(dir, 'str.jsonl', jsonl([{ s: 12 }, { s: 1.5 }, { s: 'a"b\\c\u00e9\n' }, { s: '€uro' }]));
    const r = await readAll(p, { inputs: [field('s', 'str', ['batch'])] });
    expect(r.values.s).toEqual(['12', '1.5', 'a"b\\c\u00e9\n', '€uro']);
  });

  it('writes i64 values exactly (small ones, negatives, up to 2^53 and beyond as JSON rounded them)', async () => {
    const values = [0, -1, 1, -5, 2 ** 31, -(2 ** 31) - 5, 2 ** 40 + 3, -(2 ** 52) - 1, 2 ** 53, -(2 ** 53), 2 ** 60, -(2 ** 62)];
    const p = writeData(dir, 'i64.jsonl', jsonl(values.map((n) => ({ n }))));
    for (const fastJsonl of [true, false]) {
      const r = await readAll(p, { inputs: [field('n', 'i64', ['batch'])] }, { fastJsonl });
      expect(r.values.n).toEqual(values.map((v) => BigInt(v)));
    }
  });

  it('reads bools written as true/false or 0/1', async () => {
    const p = writeData(dir, 'bool.jsonl', '{"b":true}\n{"b":false}\n{"b":1}\n{"b":0}\n{"b":2}\n{"b":"true"}\n');
    const r = await readAll(p, { inputs: [field('b', 'bool', ['batch'])] });
    expect(r.values.b).toEqual([1, 0, 1, 0]);
    expect(r.stats.skipped).toEqual({ 'wrong-type': 2 });
  });

  it('stops after limit good rows and closes the file', async () => {
    const src = openSource(path, { inputs, batchSize: 3, onBadRow: 'skip', limit: 7 });
    const sizes: number[] = [];
    for await (const b of src) sizes.push(b.rows);
    expect(sizes).toEqual([3, 3, 1]);
    expect(src.stats.rowsGood).toBe(7);
    const none = await readAll(path, { inputs, limit: 0 });
    expect(none.batches).toEqual([]);
  });

  it('counts the limit in good rows, skipping bad ones', async () => {
    const p = writeData(dir, 'limit-bad.jsonl', '{"x":1}\n{"x":"a"}\n{"x":2}\n{"x":3}\n');
    const r = await readAll(p, { inputs: [field('x', 'f32', ['batch'])], limit: 2 });
    expect(r.values.x).toEqual([1, 2]);
    expect(r.stats.rowsRead).toBe(3);
  });

  it('stops cleanly between batches when the signal aborts', async () => {
    const abort = new AbortController();
    const src = openSource(path, { inputs, batchSize: 4, onBadRow: 'skip', signal: abort.signal });
    const seen: number[] = [];
    for await (const b of src) {
      seen.push(b.rows);
      if (seen.length === 2) abort.abort();
    }
    expect(seen).toEqual([4, 4]);
    expect(src.stats.rowsGood).toBe(8);
  });

  it('closes on break and stays done', async () => {
    const src = openSource(path, { inputs, batchSize: 5, onBadRow: 'skip' });
    for await (const b of src) {
      expect(b.rows).toBe(5);
      break;
    }
    const it = src[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(true);
    await src.close();
  });

  it('serialises concurrent next() calls', async () => {
    const src = openSource(path, { inputs, batchSize: 6, onBadRow: 'skip' });
    const it = src[Symbol.asyncIterator]();
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()]);
    const batches = results.filter((r) => !r.done).map((r) => r.value!);
    expect(batches.map((b) => b.rows)).toEqual([6, 6, 6, 2]);
    expect(batches.flatMap((b) => [...b.rowIds])).toEqual(rows.map((_, i) => i));
  });

  it('reports bytes read against the file size', async () => {
    const r = await readAll(path, { inputs });
    expect(r.stats.totalBytes).toBeGreaterThan(0);
    expect(r.stats.bytesRead).toBe(r.stats.totalBytes);
  });
});

describe('openSource refuses what it cannot read, with a SourceError', () => {
  const path = writeData(dir, 'ok.jsonl', jsonl([{ x: 1 }]));
  const x = [field('x', 'f32', ['batch'])];

  it.each([
    [
      'a missing file',
      () => openSource(`${dir}/nope.jsonl`, { inputs: x, batchSize: 1, onBadRow: 'skip' }),
      'unreadable',
      /nope\.jsonl: no such file/,
    ],
    ['a directory', () => openSource(`${dir}/`, { inputs: x, batchSize: 1, onBadRow: 'skip', format: 'jsonl' }), 'unreadable', /is a directory/],
    [
      'an unknown extension',
      () => openSource(`${dir}/data.txt`, { inputs: x, batchSize: 1, onBadRow: 'skip' }),
      'unsupported',
      /cannot tell the format/,
    ],
    ['a zero batch size', () => openSource(path, { inputs: x, batchSize: 0, onBadRow: 'skip' }), 'unsupported', /batch size/],
    [
      'a bad shard',
      () => openSource(path, { inputs: x, batchSize: 1, onBadRow: 'skip', shard: { index: 2, count: 2 } }),
      'unsupported',
      /shard must be i\/N/,
    ],
    ['a negative limit', () => openSource(path, { inputs: x, batchSize: 1, onBadRow: 'skip', limit: -1 }), 'unsupported', /limit/],
    [
      'an input without row dim',
      () => openSource(path, { inputs: [field('x', 'f32', [])], batchSize: 1, onBadRow: 'skip' }),
      'unsupported',
      /no row dimension/,
    ],
    [
      'a columns input of rank 3',
      () =>
        openSource(path, {
          inputs: [{ ...columns('x', 'f32', [['a'], ['b']]), type: { dtype: 'f32', dims: ['batch', 2, 1] } }],
          batchSize: 1,
          onBadRow: 'skip',
        }),
      'unsupported',
      /must be \[rows, 2\]/,
    ],
    [
      'columns into a mismatched dim',
      () => openSource(path, { inputs: [columns('x', 'f32', [['a'], ['b']], { last: 3 })], batchSize: 1, onBadRow: 'skip' }),
      'unsupported',
      /2 columns into a last dim of 3/,
    ],
  ])('%s', (_what, open, reason, message) => {
    let err: unknown;
    try {
      open();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).reason).toBe(reason);
    expect((err as SourceError).message).toMatch(message);
    expect((err as SourceError).message).not.toContain('\n');
  });

  it('names a gzip file without .gz instead of reading garbage', async () => {
    const p = writeData(dir, 'hidden.jsonl.gz', jsonl([{ x: 1 }]));
    const renamed = writeData(dir, 'hidden.jsonl', (await import('node:fs')).readFileSync(p));
    await expect(readAll(renamed, { inputs: x })).rejects.toThrow(/gzip-compressed: give it a \.gz suffix/);
  });
});

function batchSizes(total: number, size: number): number[] {
  const out: number[] = [];
  for (let left = total; left > 0; left -= size) out.push(Math.min(size, left));
  return out;
}
