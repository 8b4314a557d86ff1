import { describe, expect, it } from 'vitest';
import { openSource } from '../../../runtime/sources/open-source.ts';
import { SourceError } from '../../../runtime/sources/source-error.ts';
import { field, readAll, tempDir, writeData } from './source-helpers.ts';

const dir = tempDir();

const inputs = [
  field('tx', 'f32', ['batch', 3]),
  field('label', 'i64', ['batch']),
  field('region', 'str', ['batch']),
  field('flag', 'bool', ['batch']),
];

const good = (tx = '[1,2,3]') => `{"tx":${tx},"label":1,"region":"eu","flag":true}`;

/** [line text, expected reason or null for good, expected detail] */
const CASES: [string, string | null, string?][] = [
  [good(), null],
  ['not json', 'invalid-json'],
  [good('[1,2]'), 'wrong-length', 'field "tx": expected 3 numbers, got 2'],
  ['{"tx":[1,2,3],"region":"eu","flag":true}', 'missing-field', 'field "label" is missing'],
  [good('[1,"a",3]'), 'non-numeric', 'field "tx": element 1 is a string ("a"), expected a number'],
  [good('[1,null,3]'), 'nan', 'field "tx": element 1 is null'],
  ['{"tx":[1,2,3],"label":0.5,"region":"eu","flag":true}', 'non-integer', 'field "label" is 0.5, expected an integer'],
  ['{"tx":[1,2,3],"label":1,"region":true,"flag":true}', 'wrong-type', 'field "region" is true, expected a string'],
  [good('[1,NaN,3]'), 'nan', 'field "tx": element 1 is NaN'],
  ['[1,2,3]', 'wrong-type', 'the row is a list, expected a JSON object'],
  ['{"tx":[1,2,3],"label":1,"region":"eu","flag":2}', 'wrong-type', 'field "flag" is 2, expected true/false or 0/1'],
  [good('[1,1e39,3]'), 'nan', 'field "tx": element 1 is 1e+39, which overflows f32'],
  ['{"tx":[1,2,3],"label":1e19,"region":"eu","flag":true}', 'non-integer', 'field "label" is 10000000000000000000, outside the i64 range'],
  ['', null],
  [good('5'), 'wrong-type', 'field "tx": expected a list of 3 numbers, got 5'],
  [good('[1,[2],3]'), 'wrong-type', 'field "tx": element 1 is a list, expected a single value'],
  [good('[1,"Infinity",3]'), 'nan', 'field "tx": element 1 is Infinity'],
  ['{"tx":[1,2,3],"label":1,"region":"eu","flag":true', 'invalid-json'],
  ['{"payload":1}', 'missing-field', 'field "tx" is missing'],
  [good('[1,2,3] x'), 'invalid-json'],
  [good('[-1.5e-3,2,3]'), null],
];

describe('bad rows', () => {
  const text = CASES.map((c) => c[0]).join('\n');
  const path = writeData(dir, 'bad.jsonl', text);

  for (const fast of [true, false]) {
    it(`counts every reason with its line number (${fast ? 'fast scanner' : 'reference path'})`, async () => {
      const r = await readAll(path, { inputs, maxExamples: 100 }, { fastJsonl: fast });
      const expected = CASES.map((c, i) => ({ line: i + 1, reason: c[1], detail: c[2], blank: c[0] === '' }));
      const bad = expected.filter((e) => e.reason !== null);
      expect(r.lines).toEqual(expected.filter((e) => e.reason === null && !e.blank).map((e) => e.line));
      expect(r.stats.examples.map((e) => e.line)).toEqual(bad.map((e) => e.line));
      expect(r.stats.examples.map((e) => e.reason)).toEqual(bad.map((e) => e.reason));
      for (const [i, e] of bad.entries()) if (e.detail) expect(r.stats.examples[i].detail).toBe(e.detail);
      const counts: Record<string, number> = {};
      for (const e of bad) counts[e.reason!] = (counts[e.reason!] ?? 0) + 1;
      expect(r.stats.skipped).toEqual(counts);
      expect(r.stats.rowsRead).toBe(r.stats.rowsGood + bad.length);
      expect(r.values.tx).toEqual([1, 2, 3, Math.fround(-1.5e-3), 2, 3]);
      // rowIds count every data row, good or bad, but not blank lines
      expect(r.rowIds).toEqual([0, CASES.length - 2]);
    });
  }

  it('keeps only maxExamples examples (5 by default) but counts all', async () => {
    const r = await readAll(path, { inputs });
    expect(r.stats.examples).toHaveLength(5);
    expect(r.stats.examples.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    const total = Object.values(r.stats.skipped).reduce((a, b) => a + b, 0);
    expect(total).toBe(CASES.filter((c) => c[1] !== null).length);
    const none = await readAll(path, { inputs, maxExamples: 0 });
    expect(none.stats.examples).toEqual([]);
  });

  it('fails on the first bad row in fail mode, with a one-line SourceError', async () => {
    const src = openSource(path, { inputs, batchSize: 1, onBadRow: 'fail' });
    const it = src[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    let err: unknown;
    try {
      await it.next();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SourceError);
    const e = err as SourceError;
    expect(e.line).toBe(2);
    expect(e.reason).toBe('invalid-json');
    expect(e.message).toMatch(/^.*bad\.jsonl:2: bad row \(invalid-json\): /);
    expect(e.message).not.toContain('\n');
    expect((await it.next()).done).toBe(true);
  });

  it('reports the field detail in fail mode', async () => {
    const p = writeData(dir, 'fail-detail.jsonl', `${good()}\n${good()}\n${good('[1,2]')}\n`);
    await expect(readAll(p, { inputs, onBadRow: 'fail' })).rejects.toThrow(
      new SourceError(p, 3, 'wrong-length', 'field "tx": expected 3 numbers, got 2'),
    );
  });

  it('reports nested paths and nested list positions', async () => {
    const p = writeData(
      dir,
      'nested-bad.jsonl',
      ['{"p":{"m":[[1,2],[3,4]]}}', '{"p":{"m":[[1,2],[3]]}}', '{"p":{"m":[[1,2],[3,"x"]]}}', '{"p":5}', '{"p":{"q":1}}'].join('\n'),
    );
    const r = await readAll(p, { inputs: [field('m', 'f64', ['batch', 2, 2], { path: ['p', 'm'] })] });
    expect(r.stats.examples.map((e) => [e.reason, e.detail])).toEqual([
      ['wrong-length', 'field "p.m": expected 2 numbers at [1], got 1'],
      ['non-numeric', 'field "p.m": element [1][1] is a string ("x"), expected a number'],
      ['wrong-type', 'field "p" is 5, not an object'],
      ['missing-field', 'field "p.m" is missing'],
    ]);
  });

  it('checks i32 range and integrality', async () => {
    const p = writeData(dir, 'i32.jsonl', '{"n":2147483647}\n{"n":-2147483648}\n{"n":2147483648}\n{"n":1.5}\n{"n":-0}\n{"n":1e2}\n');
    const r = await readAll(p, { inputs: [field('n', 'i32', ['batch'])] });
    expect(r.values.n).toEqual([2147483647, -2147483648, 0, 100]);
    expect(r.stats.skipped).toEqual({ 'non-integer': 2 });
  });
});
