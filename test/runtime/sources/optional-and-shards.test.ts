import { describe, expect, it } from 'vitest';
import { columns, field, jsonl, readAll, tempDir, writeData } from './source-helpers.ts';

const dir = tempDir();

describe('optional inputs', () => {
  const x = field('x', 'f32', ['batch']);
  const label = field('label', 'i64', ['batch'], { optional: true });

  it('are present for the whole source when the first good row has them', async () => {
    const p = writeData(dir, 'present.jsonl', jsonl([{ x: 1, label: 1 }, { x: 2 }, { x: 3, label: 0 }]));
    const r = await readAll(p, { inputs: [x, label] });
    expect(r.stats.absentOptional).toEqual([]);
    expect(r.values.label).toEqual([1n, 0n]);
    expect(r.values.x).toEqual([1, 3]);
    expect(r.stats.examples).toEqual([{ line: 2, reason: 'missing-field', detail: 'field "label" is missing' }]);
  });

  it('are absent for the whole source when the first good row lacks them', async () => {
    const p = writeData(dir, 'absent.jsonl', jsonl([{ x: 1 }, { x: 2, label: 'not even a number' }, { x: 3, label: 1 }]));
    const r = await readAll(p, { inputs: [x, label] });
    expect(r.stats.absentOptional).toEqual(['label']);
    expect(Object.keys(r.batches[0].tensors)).toEqual(['x']);
    expect(r.values.x).toEqual([1, 2, 3]);
    expect(r.stats.skipped).toEqual({});
  });

  it('are decided by the first GOOD row, not the first row', async () => {
    const p = writeData(dir, 'first-good.jsonl', jsonl([{ x: 'bad' }, { x: 1, label: 7 }, { x: 2, label: 8 }]));
    const r = await readAll(p, { inputs: [x, label] });
    expect(r.stats.absentOptional).toEqual([]);
    expect(r.values.label).toEqual([7n, 8n]);
  });

  it('treat a columns input as absent only when all its columns are missing', async () => {
    const opt = columns('v', 'f32', [['a'], ['b']], { optional: true });
    const p = writeData(dir, 'cols-opt.jsonl', jsonl([{ x: 1, a: 1 }, { x: 2, a: 1, b: 2 }, { x: 3 }]));
    const r = await readAll(p, { inputs: [x, opt] });
    expect(r.stats.absentOptional).toEqual([]);
    expect(r.values.v).toEqual([1, 2]);
    expect(r.stats.examples.map((e) => [e.line, e.detail])).toEqual([
      [1, 'field "b" is missing'],
      [3, 'field "a" is missing'],
    ]);
  });
});

describe('shards', () => {
  // 50 rows, some bad, a blank line and an optional field whose presence the FILE's first good row decides.
  const lines: string[] = [];
  for (let i = 0; i < 50; i++) {
    if (i === 10) lines.push('');
    if (i % 7 === 3) lines.push(`{"x":"bad ${i}"}`);
    else lines.push(JSON.stringify(i === 0 ? { x: i } : { x: i, label: i % 2 }));
  }
  const path = writeData(dir, 'shards.jsonl', `${lines.join('\n')}\n`);
  const inputs = [field('x', 'f32', ['batch']), field('label', 'i64', ['batch'], { optional: true })];

  for (const count of [1, 2, 3, 7]) {
    it(`${count} interleaved shards partition the unsharded run's rows`, async () => {
      const whole = await readAll(path, { inputs, batchSize: 4 });
      const parts = await Promise.all(Array.from({ length: count }, (_, index) => readAll(path, { inputs, batchSize: 4, shard: { index, count } })));
      const union = parts.flatMap((p) => p.rowIds).sort((a, b) => a - b);
      expect(union).toEqual(whole.rowIds);
      expect(new Set(union).size).toBe(union.length); // disjoint
      for (const [index, p] of parts.entries()) {
        expect(p.rowIds.every((id) => id % count === index)).toBe(true);
        // every shard made the same layout decision as the whole file (first good row is line 1: no label)
        expect(p.stats.absentOptional).toEqual(['label']);
      }
      const bad = (s: typeof whole.stats) => Object.values(s.skipped).reduce((a, b) => a + b, 0);
      expect(parts.reduce((a, p) => a + bad(p.stats), 0)).toBe(bad(whole.stats));
      expect(parts.reduce((a, p) => a + p.stats.rowsRead, 0)).toBe(whole.stats.rowsRead);
      // same values per row id
      const byId = new Map(whole.rowIds.map((id, i) => [id, whole.values.x[i]]));
      for (const p of parts) p.rowIds.forEach((id, i) => expect(p.values.x[i]).toBe(byId.get(id)));
    });
  }

  it('apply the limit per shard after sharding', async () => {
    const r = await readAll(path, { inputs, shard: { index: 1, count: 2 }, limit: 3 });
    expect(r.rowIds).toEqual([1, 5, 7]); // row 3 is bad
  });
});
