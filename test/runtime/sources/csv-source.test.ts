import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvRecordReader } from '../../../runtime/sources/csv-record.ts';
import { SourceError } from '../../../runtime/sources/source-error.ts';
import { columns, field, readAll, tempDir, writeData } from './source-helpers.ts';

const dir = tempDir();

describe('CSV source', () => {
  const header = 'id,f0,f1,f2,label,region,flag,vec';
  const body = ['0,0.5,-1,2e-3,1,eu,true,"[1,2]"', '1,1.5,2,3,0,"us, east",False,"[3,4]"', '2, 2.5 ,+3,.5,1,"say ""hi""",1,"[5,6]"'];
  const path = writeData(dir, 'rows.csv', `${header}\n${body.join('\n')}\n`);
  const inputs = [
    columns('tx', 'f32', [['f0'], ['f1'], ['f2']]),
    field('label', 'i64', ['batch']),
    field('region', 'str', ['batch']),
    field('flag', 'bool', ['batch']),
    field('vec', 'f64', ['batch', 2]),
  ];

  it('maps columns, gathers them, reads quoted cells and JSON lists in cells', async () => {
    const r = await readAll(path, { inputs });
    expect(r.stats.skipped).toEqual({});
    expect(r.shapes).toEqual({ tx: [3], label: [], region: [], flag: [], vec: [2] });
    expect(r.values.tx).toEqual([0.5, -1, 2e-3, 1.5, 2, 3, 2.5, 3, 0.5].map(Math.fround));
    expect(r.values.label).toEqual([1n, 0n, 1n]);
    expect(r.values.region).toEqual(['eu', 'us, east', 'say "hi"']);
    expect(r.values.flag).toEqual([1, 0, 1]);
    expect(r.values.vec).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.lines).toEqual([2, 3, 4]); // the header is line 1 and not a row
    expect(r.rowIds).toEqual([0, 1, 2]);
  });

  it('reads quoted cells spanning lines, CRLF endings and a last line without newline', async () => {
    const p = writeData(dir, 'multi.csv', 'x,note\r\n1,"two\r\nlines"\r\n\r\n2,plain\r\n3,"a,b"');
    const r = await readAll(p, { inputs: [field('x', 'f32', ['batch']), field('note', 'str', ['batch'])] }, { chunkBytes: 5 });
    expect(r.values.note).toEqual(['two\r\nlines', 'plain', 'a,b']);
    expect(r.lines).toEqual([2, 5, 6]);
  });

  it('reads a nested path as its dotted column name', async () => {
    const p = writeData(dir, 'dotted.csv', 'payload.score,x\n0.25,1\n');
    const r = await readAll(p, { inputs: [field('s', 'f64', ['batch'], { path: ['payload', 'score'] })] });
    expect(r.values.s).toEqual([0.25]);
  });

  it('counts bad rows with reasons and lines', async () => {
    const p = writeData(dir, 'bad.csv', ['a,b', '1,2', '1,2,3', '1,x', '1,nan', '1,', '1,ab"c', '1,"q"x', '1.5,2', '3,4'].join('\n'));
    const r = await readAll(p, { inputs: [field('a', 'i32', ['batch']), field('b', 'f32', ['batch'])], maxExamples: 20 });
    expect(r.values.a).toEqual([1, 3]);
    expect(r.stats.examples).toEqual([
      { line: 3, reason: 'bad-csv', detail: 'expected 2 fields (as in the header), got 3' },
      { line: 4, reason: 'non-numeric', detail: 'column "b" is "x", expected a number' },
      { line: 5, reason: 'nan', detail: 'column "b" is nan' },
      { line: 6, reason: 'missing-field', detail: 'column "b" is empty' },
      { line: 7, reason: 'bad-csv', detail: 'unexpected quote inside unquoted field 2' },
      { line: 8, reason: 'bad-csv', detail: 'unexpected text after the closing quote of field 2' },
      { line: 9, reason: 'non-integer', detail: 'column "a" is 1.5, expected an integer' },
    ]);
  });

  it('resumes after an unclosed quote at the end of the file', async () => {
    const p = writeData(dir, 'unclosed.csv', 'a,b\n1,"x\n2,y\n3,z\n');
    const r = await readAll(p, { inputs: [field('a', 'f32', ['batch']), field('b', 'str', ['batch'])] });
    expect(r.values.a).toEqual([2, 3]);
    expect(r.stats.examples).toEqual([{ line: 2, reason: 'bad-csv', detail: 'unclosed quote in field 2' }]);
  });

  it('fails at the header when a required column is missing, naming the columns', async () => {
    const p = writeData(dir, 'nocol.csv', 'a,b\n1,2\n');
    const err = await readAll(p, { inputs: [field('c', 'f32', ['batch'])] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).line).toBe(1);
    expect((err as SourceError).message).toBe(`${p}:1: bad row (missing-field): column "c" (input "c") is not in the header (columns: a, b)`);
  });

  it('treats an optional column missing from the header, or empty in the first good row, as absent', async () => {
    const p = writeData(dir, 'opt.csv', 'a,label\n1,\n2,1\n');
    const r = await readAll(p, {
      inputs: [field('a', 'f32', ['batch']), field('label', 'i64', ['batch'], { optional: true }), field('w', 'f32', ['batch'], { optional: true })],
    });
    expect(r.stats.absentOptional).toEqual(['label', 'w']);
    expect(r.values.a).toEqual([1, 2]);
  });

  it('refuses a used column that appears twice in the header', async () => {
    const p = writeData(dir, 'dup.csv', 'a,a\n1,2\n');
    await expect(readAll(p, { inputs: [field('a', 'f32', ['batch'])] })).rejects.toThrow(/column "a" appears more than once/);
  });

  it('reads a list-valued cell with the same checks as JSONL', async () => {
    const p = writeData(dir, 'lists.csv', 'v\n"[1,2,3]"\n"[1,2]"\nabc\n"[1,""x"",3]"\n');
    const r = await readAll(p, { inputs: [field('v', 'f32', ['batch', 3])] });
    expect(r.values.v).toEqual([1, 2, 3]);
    expect(r.stats.examples.map((e) => [e.reason, e.detail])).toEqual([
      ['wrong-length', 'field "v": expected 3 numbers, got 2'],
      ['wrong-type', 'column "v" is "abc", expected a JSON list like [1, 2, 3]'],
      ['non-numeric', 'field "v": element 1 is a string ("x"), expected a number'],
    ]);
  });
});

describe('CSV records', () => {
  const cellText = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r\n', 'é', '1', '.') });
  const record = fc.array(cellText, { minLength: 1, maxLength: 6 });

  /** Quote a cell the way CSV writers do (only when needed, or always). */
  const quote = (cell: string, always: boolean) => (always || /[",\r\n]/.test(cell) || cell === '' ? `"${cell.replaceAll('"', '""')}"` : cell);

  it('split like csv-parse on any well-formed CSV', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), fc.boolean(), (records, always) => {
        const text = records.map((r) => r.map((c) => quote(c, always)).join(',')).join('\n');
        const expected = parseCsv(text, { relax_column_count: true }) as string[][];
        const buf = Buffer.from(text, 'utf8');
        const reader = new CsvRecordReader();
        reader.beginBlock();
        const got: string[][] = [];
        let pos = 0;
        while (pos < buf.length) {
          const end = reader.recordEnd(buf, pos, true);
          expect(reader.split(buf, pos, end)).toBeNull();
          got.push(Array.from({ length: reader.count }, (_, k) => reader.cell(k)));
          pos = end + 1;
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
