/**
 * RequestRowReader: the last good row's layout is tried first (a row it writes whole has that layout), and
 * any other row takes the full observation path — so a reader that has seen good rows answers exactly as a
 * fresh one, good rows and refusals alike. Rows carved from shared slabs never share elements.
 */
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../../compiler/compile.ts';
import type { Plan } from '../../../plan/plan-types.ts';
import { concatRows, RequestRowReader, RowProblem, type RequestRow } from '../../../runtime/serve/request-rows.ts';

function plan(source: string): Plan {
  const c = compileSource(source, 'rows.m4');
  if (!c.plan) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c.plan;
}

const FIXED = plan('input tx: f32[batch, 3]\ninput region: str[batch]\ninput n: i64[batch]\noutput a = tx\noutput b = region\noutput c = n\n');
const GOOD = { tx: [1, 2, 3], region: 'eu', n: 7 };
const BAD: unknown[] = [
  { tx: [1, 2], region: 'eu', n: 7 },
  { tx: [1, 2, 3, 4], region: 'eu', n: 7 },
  { tx: [1, 'NaN', 3], region: 'eu', n: 7 },
  { tx: [1, null, 3], region: 'eu', n: 7 },
  { tx: [[1], [2], [3]], region: 'eu', n: 7 },
  { tx: 5, region: 'eu', n: 7 },
  { region: 'eu', n: 7 },
  { tx: [1, 2, 3], region: 'eu', n: 0.5 },
  { tx: [1, 2, 3], region: ['eu'], n: 7 },
  { tx: [1, 2, 3], region: 'eu' },
  [1, 2, 3],
  null,
];

/** What a reader says about a row, as plain data. */
function outcome(r: RequestRow | RowProblem): unknown {
  if (r instanceof RowProblem) return { problem: r.input };
  return { key: r.key, slots: r.layout.slots.map((s) => [s.name, s.dims]), data: r.data.map((d) => Array.from(d as ArrayLike<unknown>)) };
}

describe('RequestRowReader', () => {
  it('answers every row as a fresh reader does, once good rows have set the layout it tries first', () => {
    const warm = new RequestRowReader(FIXED.inputs);
    expect(outcome(warm.readRow(GOOD, 0))).toEqual(outcome(new RequestRowReader(FIXED.inputs).readRow(GOOD, 0)));
    // A number in a str field is read as its text, on either path.
    const odd = { tx: [1, 2, 3], region: 4, n: 7 };
    expect(outcome(warm.readRow(odd, 0))).toEqual(outcome(new RequestRowReader(FIXED.inputs).readRow(odd, 0)));
    for (const [i, row] of BAD.entries()) {
      const expected = outcome(new RequestRowReader(FIXED.inputs).readRow(row, i));
      expect(expected).toHaveProperty('problem');
      expect(outcome(warm.readRow(row, i))).toEqual(expected);
      // A good row after a bad one is still read right (the bad row's partial writes went to its own arrays).
      expect(outcome(warm.readRow({ tx: [4, 5, 6], region: 'us', n: -1 }, 0))).toEqual({
        key: expect.any(String),
        slots: [
          ['tx', [3]],
          ['region', []],
          ['n', []],
        ],
        data: [[4, 5, 6], ['us'], [-1n]],
      });
    }
  });

  it('gives each row arrays of its own', () => {
    const reader = new RequestRowReader(FIXED.inputs);
    const rows = Array.from({ length: 2000 }, (_, i) => reader.readRow({ tx: [i, i + 0.5, -i], region: `r${i}`, n: i }, i) as RequestRow);
    rows.forEach((r, i) => {
      expect(Array.from(r.data[0] as Float32Array)).toEqual([i, i + 0.5, -i]);
      expect(r.data[1]).toEqual([`r${i}`]);
    });
  });

  it('reads `?` dims and optional inputs by observation: rows of other layouts get their own layout and key', () => {
    const p = plan('input v: f32[batch, ?]\ninput w: i64[batch] optional\noutput o = v\noutput p = w\n');
    const reader = new RequestRowReader(p.inputs);
    const a = reader.readRow({ v: [1, 2], w: 3 }, 0) as RequestRow;
    const b = reader.readRow({ v: [1, 2] }, 1) as RequestRow;
    const c = reader.readRow({ v: [1, 2, 3], w: 3 }, 2) as RequestRow;
    const d = reader.readRow({ v: [4, 5], w: 6 }, 3) as RequestRow;
    expect(new Set([a.key, b.key, c.key]).size).toBe(3);
    expect(d.key).toBe(a.key);
    expect(b.layout.absentOptional).toEqual(['w']);
    expect(Array.from(c.data[0] as Float32Array)).toEqual([1, 2, 3]);
    // No optional input: the last layout is tried first, and a row of another length leaves it.
    const q = new RequestRowReader(plan('input v: f32[batch, ?]\noutput o = v\n').inputs);
    const [x, y, z] = [
      [1, 2],
      [1, 2, 3],
      [7, 8],
    ].map((v, i) => q.readRow({ v }, i) as RequestRow);
    expect(x!.key).not.toBe(y!.key);
    expect(z!.key).toBe(x!.key);
    expect(y!.layout.slots[0]!.dims).toEqual([3]);
    expect(Array.from(z!.data[0] as Float32Array)).toEqual([7, 8]);
  });

  it('a batch of rows read one after another is a view over them; any other batch is a copy; the values are the same', () => {
    const reader = new RequestRowReader(FIXED.inputs);
    // A refused row in between takes a region it never fills: rows on either side of it are not adjacent.
    const read = Array.from({ length: 40 }, (_, i) =>
      i === 20 ? reader.readRow({ tx: [1, 2], region: 'x', n: 1 }, i) : reader.readRow({ tx: [i, -i, i / 4], region: `r${i}`, n: i }, i),
    );
    const rows = read.filter((r): r is RequestRow => !(r instanceof RowProblem));
    const expectBatch = (batch: RequestRow[], ids: number[]): ReturnType<typeof concatRows> => {
      const b = concatRows(batch, Float64Array.from(ids));
      expect(b.rows).toBe(batch.length);
      expect(Array.from(b.lines)).toEqual(ids.map((i) => i + 1));
      expect(Array.from(b.tensors.tx!.data as Float32Array)).toEqual(batch.flatMap((r) => Array.from(r.data[0] as Float32Array)));
      expect(b.tensors.tx!.dims).toEqual([batch.length, 3]);
      expect(b.tensors.region!.data).toEqual(batch.map((r) => (r.data[1] as string[])[0]));
      expect(Array.from(b.tensors.n!.data as BigInt64Array)).toEqual(batch.map((r) => (r.data[2] as BigInt64Array)[0]));
      return b;
    };
    const first = rows.slice(0, 20);
    const adjacent = expectBatch(
      first,
      first.map((_, i) => i),
    );
    expect((adjacent.tensors.tx!.data as Float32Array).buffer).toBe((first[0]!.data[0] as Float32Array).buffer);
    const across = rows.slice(15, 25); // the refused row's region lies between rows 19 and 20 of `rows`
    const copied = expectBatch(
      across,
      across.map((_, i) => i),
    );
    expect((copied.tensors.tx!.data as Float32Array).buffer).not.toBe((across[0]!.data[0] as Float32Array).buffer);
    const shuffled = [rows[3]!, rows[1]!, rows[2]!];
    expectBatch(shuffled, [3, 1, 2]);
  });
});
