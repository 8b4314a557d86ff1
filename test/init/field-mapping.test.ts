/**
 * Mapping a data sample's fields to graph inputs (by name, loosely, by length, by gathering columns),
 * finding the label and a slice; and reading real samples (JSONL, CSV) through the sources.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataSample, type DataField, type DataSample } from '../../cli/init/data-sample.ts';
import { findLabel, findSlice, mapInputs, type InputNeed } from '../../cli/init/field-mapping.ts';
import type { SampleKind } from '../../runtime/sources/index.ts';

function field(name: string, kind: SampleKind, shape: number[] | null = [], distinct: string[] | null = null, present = 100): DataField {
  return { path: name.split('.'), name, kind, shape, present, suggested: null, optional: present < 100, distinct };
}

function sample(...fields: DataField[]): DataSample {
  return { given: 'rows.jsonl', path: '/tmp/rows.jsonl', format: 'jsonl', rows: 100, fields };
}

const need = (name: string, dtype: InputNeed['type']['dtype'], ...rest: (number | null)[]): InputNeed => ({
  name,
  type: { dtype, dims: ['batch', ...rest] },
});

function mapped(needs: InputNeed[], s: DataSample, reserved: string[] = []) {
  const r = mapInputs(needs, s, new Set(reserved));
  if ('problem' in r) throw new Error(r.problem);
  return Object.fromEntries([...r].map(([k, v]) => [k, v]));
}

describe('mapInputs', () => {
  it('matches by exact name first, including the last part of a nested path', () => {
    const m = mapped(
      [need('x', 'f32', 4), need('amount', 'f32')],
      sample(field('payload.amount', 'float'), field('x', 'float', [4]), field('y', 'float', [4])),
    );
    expect(m.x).toEqual({ source: { kind: 'field', field: 'x' }, how: 'name' });
    expect(m.amount).toEqual({ source: { kind: 'field', field: 'payload.amount' }, how: 'name' });
  });

  it('matches loosely (case and punctuation) when no exact name exists', () => {
    const m = mapped([need('float_input', 'f32', 4)], sample(field('FloatInput', 'float', [4])));
    expect(m.float_input).toEqual({ source: { kind: 'field', field: 'FloatInput' }, how: 'loose-name' });
  });

  it('matches a differently named list by length, skipping lists of the wrong length and id-like fields', () => {
    const m = mapped([need('x', 'f32', 30)], sample(field('id', 'integer'), field('short', 'float', [29]), field('tx', 'float', [30])));
    expect(m.x).toEqual({ source: { kind: 'field', field: 'tx' }, how: 'length' });
  });

  it('a scalar field of the same name fills a [batch, 1] input as one gathered column', () => {
    const m = mapped([need('amount', 'f32', 1)], sample(field('amount', 'float')));
    expect(m.amount.source).toEqual({ kind: 'columns', fields: ['amount'] });
  });

  it('gathers N scalar fields: all that are left when exactly N, ignoring ids and the label', () => {
    const s = sample(
      field('id', 'integer'),
      field('a', 'float'),
      field('b', 'integer'),
      field('c', 'float'),
      field('label', 'integer'),
      field('city', 'string'),
    );
    expect(mapped([need('x', 'f32', 3)], s, ['label']).x).toEqual({ source: { kind: 'columns', fields: ['a', 'b', 'c'] }, how: 'columns' });
  });

  it('gathers a numbered family of N fields, in index order, when other scalars are present', () => {
    const s = sample(
      field('f10', 'float'),
      field('amount', 'float'),
      ...Array.from({ length: 10 }, (_, i) => field(`f${i}`, 'float')),
      field('age', 'integer'),
    );
    const m = mapped([need('x', 'f32', 11)], s);
    expect(m.x.source).toEqual({ kind: 'columns', fields: Array.from({ length: 11 }, (_, i) => `f${i}`) });
  });

  it('never fills an integer input from floats, nor a float input from text', () => {
    expect(mapInputs([need('counts', 'i64', 3)], sample(field('counts', 'float', [3])), new Set())).toHaveProperty('problem');
    expect(mapInputs([need('x', 'f32')], sample(field('x', 'string')), new Set())).toHaveProperty('problem');
  });

  it('a sample matching no input is a one-line problem naming the input and the fields', () => {
    const r = mapInputs([need('x', 'f32', 4)], sample(field('name', 'string'), field('tags', 'string', [2])), new Set());
    expect(r).toEqual({
      problem:
        'rows.jsonl: no field matches model input `x` f32[batch, 4] by name, by length or as 4 gathered numeric fields (fields: name (text), tags (2 text values))',
    });
  });

  it('a strong match is not stolen by a weaker one: each field feeds one input', () => {
    const s = sample(field('a', 'float', [4]), field('b', 'float', [4]));
    const m = mapped([need('x', 'f32', 4), need('b', 'f32', 4)], s);
    expect(m.b.source).toEqual({ kind: 'field', field: 'b' });
    expect(m.x.source).toEqual({ kind: 'field', field: 'a' });
  });
});

describe('findLabel', () => {
  it('finds label, target, y or class by name, and classifies the values', () => {
    expect(findLabel(sample(field('x', 'float', [4]), field('Target', 'integer', [], ['0', '1'])), undefined, new Set())).toMatchObject({
      field: { name: 'Target' },
      values: 'binary',
      how: 'name',
    });
    expect(findLabel(sample(field('class', 'integer', [], ['0', '1', '2'])), undefined, new Set())).toMatchObject({ values: 'classes' });
    expect(findLabel(sample(field('y', 'float')), undefined, new Set())).toMatchObject({ values: 'values' });
    expect(findLabel(sample(field('label', 'bool')), undefined, new Set())).toMatchObject({ values: 'binary' });
    expect(findLabel(sample(field('outcome', 'integer')), undefined, new Set())).toBeNull();
  });

  it('skips a field taken by an input of the same name, and lists of labels', () => {
    expect(findLabel(sample(field('y', 'float'), field('label', 'integer', [3])), undefined, new Set(['y']))).toBeNull();
  });

  it('--label names any field, and must name a scalar one that exists', () => {
    const s = sample(field('is_fraud', 'integer', [], ['0', '1']), field('tags', 'string', [2]));
    expect(findLabel(s, 'is_fraud', new Set())).toMatchObject({ field: { name: 'is_fraud' }, how: 'flag', values: 'binary' });
    expect(findLabel(s, 'nope', new Set())).toEqual({
      problem: expect.stringMatching(/^--label nope: rows.jsonl has no such field \(fields: is_fraud/),
    });
    expect(findLabel(s, 'tags', new Set())).toEqual({ problem: expect.stringContaining('not one number or boolean per row') });
  });
});

describe('findSlice', () => {
  it('offers a text field with few values present in every row', () => {
    const s = sample(field('id', 'string', [], null), field('region', 'string', [], ['eu', 'latam', 'us']));
    expect(findSlice(s, new Set())).toMatchObject({ field: { name: 'region' }, count: 3 });
  });

  it('ignores fields with one value, too many values, missing values, or already used', () => {
    const many = Array.from({ length: 30 }, (_, i) => `v${i}`);
    expect(findSlice(sample(field('one', 'string', [], ['a'])), new Set())).toBeNull();
    expect(findSlice(sample(field('city', 'string', [], many)), new Set())).toBeNull();
    expect(findSlice(sample(field('sparse', 'string', [], ['a', 'b'], 50)), new Set())).toBeNull();
    expect(findSlice(sample(field('region', 'string', [], ['a', 'b'])), new Set(['region']))).toBeNull();
  });
});

describe('readDataSample', () => {
  const dir = mkdtempSync(join(tmpdir(), 'm4-init-sample-'));

  it('reads JSONL fields with shapes, and the distinct values of scalar categories', async () => {
    const rows = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({ id: `r${i}`, x: [i, 0.5, 1], label: i % 2, region: ['eu', 'us'][i % 2], meta: { src: 'web' } }),
    );
    writeFileSync(join(dir, 's.jsonl'), `${rows.join('\n')}\n`);
    const r = await readDataSample('s.jsonl', dir);
    if (!r.ok) throw new Error(r.message);
    const byName = Object.fromEntries(r.sample.fields.map((f) => [f.name, f]));
    expect(r.sample.rows).toBe(12);
    expect(byName.x).toMatchObject({ kind: 'float', shape: [3], distinct: null });
    expect(byName.label).toMatchObject({ kind: 'integer', distinct: ['0', '1'] });
    expect(byName.region).toMatchObject({ kind: 'string', distinct: ['eu', 'us'] });
    expect(byName['meta.src']).toMatchObject({ path: ['meta', 'src'], distinct: ['web'] });
  });

  it('reads CSV columns', async () => {
    writeFileSync(join(dir, 's.csv'), 'f0,f1,label,region\n1.5,2,0,eu\n0.5,3,1,us\n');
    const r = await readDataSample('s.csv', dir);
    if (!r.ok) throw new Error(r.message);
    expect(r.sample.fields.map((f) => [f.name, f.kind])).toEqual([
      ['f0', 'float'],
      ['f1', 'integer'],
      ['label', 'integer'],
      ['region', 'string'],
    ]);
  });

  it('a missing file, an unknown format or a file without rows is a one-line message', async () => {
    writeFileSync(join(dir, 'empty.jsonl'), '\n\n');
    writeFileSync(join(dir, 'garbage.jsonl'), 'not json\nstill not\n');
    writeFileSync(join(dir, 'rows.txt'), '{}\n');
    for (const [f, msg] of [
      ['nope.jsonl', 'no such file'],
      ['empty.jsonl', 'holds no data rows'],
      ['garbage.jsonl', 'none of the 2 rows read is a valid JSON object'],
      ['rows.txt', 'cannot tell the format'],
    ] as const) {
      const r = await readDataSample(f, dir);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.message).toContain(f);
        expect(r.message).toContain(msg);
        expect(r.message).not.toContain('\n');
      }
    }
  });
});
