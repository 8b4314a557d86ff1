import { describe, expect, it } from 'vitest';
import { inspectSample } from '../../../runtime/sources/inspect-sample.ts';
import { SourceError } from '../../../runtime/sources/source-error.ts';
import { jsonl, tempDir, writeData } from './source-helpers.ts';

const dir = tempDir();

describe('inspectSample', () => {
  it('lists JSONL fields with their kinds, shapes and suggested input types', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({
      id: i,
      tx: [0.5, i, 2],
      label: i % 2,
      region: i % 2 ? 'eu' : 'us',
      ok: i % 3 === 0,
      payload: {
        img: [
          [1, 2],
          [3, 4],
        ],
        note: i < 5 ? 'x' : null,
      },
      ragged: i % 2 ? [1] : [1, 2],
      ...(i < 7 ? { weight: 1.5 } : {}),
    }));
    const path = writeData(dir, 'sample.jsonl', `not json\n${jsonl(rows)}`);
    const info = await inspectSample(path, 100);
    expect(info.format).toBe('jsonl');
    expect(info.rows).toBe(10);
    expect(info.badRows).toBe(1);
    const byPath = Object.fromEntries(info.fields.map((f) => [f.path.join('.'), f]));
    expect(Object.keys(byPath)).toEqual(['id', 'tx', 'label', 'region', 'ok', 'payload.img', 'payload.note', 'ragged', 'weight']);
    expect(byPath.tx).toMatchObject({ kind: 'float', shape: [3], present: 10, optional: false, suggested: { dtype: 'f32', dims: ['batch', 3] } });
    expect(byPath.label).toMatchObject({ kind: 'integer', shape: [], suggested: { dtype: 'i64', dims: ['batch'] } });
    expect(byPath.region).toMatchObject({ kind: 'string', shape: [], suggested: { dtype: 'str', dims: ['batch'] } });
    expect(byPath.ok).toMatchObject({ kind: 'bool', suggested: { dtype: 'bool', dims: ['batch'] } });
    expect(byPath['payload.img']).toMatchObject({ kind: 'integer', shape: [2, 2], path: ['payload', 'img'] });
    expect(byPath['payload.note']).toMatchObject({ kind: 'string', present: 10 });
    expect(byPath.ragged).toMatchObject({ shape: null, suggested: null });
    expect(byPath.weight).toMatchObject({ present: 7, optional: true });
  });

  it('stops after maxRows rows', async () => {
    const path = writeData(dir, 'many.jsonl', jsonl(Array.from({ length: 1000 }, (_, i) => ({ i }))));
    const info = await inspectSample(path, 25);
    expect(info.rows).toBe(25);
  });

  it('reads CSV cells as numbers, booleans, text or JSON lists, and gzip', async () => {
    const csv = 'id,f0,flag,name,vec,empty\n1,0.5,true,"a, b","[1,2]",\n2,1,false,c,"[3,4]",\n';
    for (const name of ['s.csv', 's.csv.gz']) {
      const info = await inspectSample(writeData(dir, name, csv), 10);
      expect(info.format).toBe('csv');
      expect(info.rows).toBe(2);
      const byPath = Object.fromEntries(info.fields.map((f) => [f.path.join('.'), f]));
      expect(byPath.id).toMatchObject({ kind: 'integer', shape: [] });
      expect(byPath.f0).toMatchObject({ kind: 'float', suggested: { dtype: 'f32', dims: ['batch'] } });
      expect(byPath.flag).toMatchObject({ kind: 'bool' });
      expect(byPath.name).toMatchObject({ kind: 'string' });
      expect(byPath.vec).toMatchObject({ kind: 'integer', shape: [2] });
      expect(byPath.empty).toMatchObject({ present: 0, optional: true });
    }
  });

  it('throws a SourceError for a missing file', async () => {
    await expect(inspectSample(`${dir}/missing.jsonl`, 5)).rejects.toBeInstanceOf(SourceError);
  });
});
