/**
 * `m4c compare` (and `m4c run`) from Parquet and Arrow IPC files as a user has them: struct columns
 * reached by dotted paths, nullable columns with nulls, dictionary-encoded strings as slices, list
 * columns as probability rows, several row groups / record batches. The same report as from the JSONL
 * file holding the same records (a null standing for an absent field), the same bad rows by reason;
 * `--shard I/N` reads whole row groups and the merged shards give one pass's result bit for bit; and
 * a file that is empty, cut short or not columnar at all is one line and exit 2, never a stack trace.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dictionary, Field, Float64, Int32, List, Struct, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import * as compare from '../../cli/commands/compare.ts';
import * as merge from '../../cli/commands/merge.ts';
import * as run from '../../cli/commands/run.ts';
import { runCliCaptured } from '../support/run-cli-in-process.ts';
import { hasStackTrace, runM4c } from '../support/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-compare-columnar-'));

/** Run `m4c ...` in this process, capturing what it prints. */
const m4c = (args: string[]) => runCliCaptured(args, [compare, merge, run]);

interface Rec {
  y: number | null;
  m: { old: number | null; new: number } | null;
  seg: string;
  cls: number;
  po: number[];
  pn: number[];
}

/** 1,600 records (4 row groups of 400), with a few nulls and a short list among them. */
const N = 1600,
  GROUP = 400;
const recs: Rec[] = (() => {
  let s = 77;
  const u = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: Rec[] = [];
  for (let i = 0; i < N; i++) {
    const y = u() < 0.4 ? 1 : 0;
    const cls = Math.floor(u() * 3);
    const probs = (): number[] => {
      const a = [u(), u(), u()];
      a[cls] = a[cls]! + 0.7 * u();
      const t = a[0]! + a[1]! + a[2]!;
      return a.map((x) => x / t);
    };
    out.push({
      y,
      m: { old: Math.min(1, 0.3 * y + 0.7 * u()), new: Math.min(1, 0.4 * y + 0.6 * u()) },
      seg: ['eu', 'us', 'apac', 'latam'][Math.floor(u() * 4)]!,
      cls,
      po: probs(),
      pn: probs(),
    });
  }
  out[5]!.y = null; // missing-field (a nullable INT32 / Int32 with a null)
  out[7]!.m!.old = null; // missing-field (a null struct field)
  out[411]!.m = null; // missing-field (a null struct)
  out[9]!.po = out[9]!.po.slice(0, 2); // wrong-length (multiclass)
  return out;
})();

const jsonl = join(tmp, 'preds.jsonl'),
  parquet = join(tmp, 'preds.parquet'),
  arrow = join(tmp, 'preds.arrow');

// JSONL: a null is an absent field.
writeFileSync(jsonl, recs.map((r) => JSON.stringify(r, (_k, v: unknown) => (v === null ? undefined : v))).join('\n') + '\n');

const LIST = (name: string) => [
  { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
];
writeFileSync(
  parquet,
  Buffer.from(
    parquetWriteBuffer({
      schema: [
        { name: 'root', num_children: 6 },
        { name: 'y', type: 'INT32', repetition_type: 'OPTIONAL' },
        { name: 'm', repetition_type: 'OPTIONAL', num_children: 2 },
        { name: 'old', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'new', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'seg', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'cls', type: 'INT32', repetition_type: 'REQUIRED' },
        ...LIST('po'),
        ...LIST('pn'),
      ] as never,
      rowGroupSize: GROUP,
      columnData: [
        { name: 'y', data: recs.map((r) => r.y) },
        { name: 'm', data: recs.map((r) => r.m) },
        { name: 'seg', data: recs.map((r) => r.seg), encoding: 'RLE_DICTIONARY' },
        { name: 'cls', data: Int32Array.from(recs, (r) => r.cls) },
        { name: 'po', data: recs.map((r) => r.po) },
        { name: 'pn', data: recs.map((r) => r.pn) },
      ],
    }),
  ),
);

{
  const f64 = new Float64();
  const list = new List(new Field('item', f64, true));
  // Whole columns first, then a record batch per group of their slices: the groups share one
  // dictionary (the file format allows no replacement dictionaries).
  const whole = {
    y: vectorFromArray(
      recs.map((r) => r.y),
      new Int32(),
    ),
    m: vectorFromArray(
      recs.map((r) => r.m),
      new Struct([new Field('old', f64, true), new Field('new', f64, true)]),
    ),
    seg: vectorFromArray(
      recs.map((r) => r.seg),
      new Dictionary(new Utf8(), new Int32()),
    ),
    cls: vectorFromArray(
      recs.map((r) => r.cls),
      new Int32(),
    ),
    po: vectorFromArray(
      recs.map((r) => r.po),
      list,
    ),
    pn: vectorFromArray(
      recs.map((r) => r.pn),
      list,
    ),
  };
  const batches: Table[] = [];
  for (let at = 0; at < N; at += GROUP)
    batches.push(new Table(Object.fromEntries(Object.entries(whole).map(([k, v]) => [k, v.slice(at, at + GROUP)])) as typeof whole));
  const table = batches.slice(1).reduce((t, b) => t.concat(b), batches[0]!);
  expect(table.batches).toHaveLength(N / GROUP);
  writeFileSync(arrow, tableToIPC(table, 'file'));
}

const BINARY = [
  '--control',
  'm.old',
  '--treatment',
  'm.new',
  '--label',
  'y',
  '--task',
  'binary',
  '--slice-by',
  'seg',
  '--bootstrap',
  '200',
  '--seed',
  '3',
];
const MULTICLASS = ['--control', 'po', '--treatment', 'pn', '--label', 'cls', '--task', 'multiclass', '--bootstrap', '200'];

async function report(data: string, args: string[]): Promise<{ result: unknown; skipped: unknown; seen: number }> {
  const r = await m4c(['compare', '--data', data, ...args, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout);
  return { result: j.comparisons[0].result, skipped: j.meta.rows_skipped, seen: j.meta.rows_seen };
}

describe('m4c compare from Parquet and Arrow IPC', () => {
  it('struct fields, nulls and dictionary-encoded slices: the JSONL file’s report, bit for bit', async () => {
    const want = await report(jsonl, BINARY);
    expect(want.skipped).toEqual({ 'missing-field': 3 });
    expect(want.seen).toBe(N);
    for (const data of [parquet, arrow]) expect(await report(data, BINARY), data).toEqual(want);
  });

  it('list columns as probability rows (multiclass), a short list a wrong-length bad row', async () => {
    const want = await report(jsonl, MULTICLASS);
    expect(want.skipped).toEqual({ 'wrong-length': 1 });
    for (const data of [parquet, arrow]) expect(await report(data, MULTICLASS), data).toEqual(want);
  });

  it.each([
    ['Parquet', parquet],
    ['Arrow IPC', arrow],
  ])('%s: --shard I/3 reads whole groups, and the merged shards are one pass, bit for bit', async (_name, data) => {
    const one = await m4c(['compare', '--data', data, ...BINARY, '--format', 'json']);
    const dir = mkdtempSync(join(tmp, 'shards-'));
    const states: string[] = [];
    const read: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const state = join(dir, `s${i}.json`);
      const r = await m4c(['compare', '--data', data, ...BINARY, '--shard', `${i}/3`, '--state', state]);
      expect(r.code, r.stderr).toBe(0);
      read.push(Number(/shard \d\/3: (\d+) rows read/.exec(r.stderr)![1]));
      states.push(state);
    }
    // 4 groups over 3 shards: shard 1 reads groups 0 and 3; interleaved rows would give 534, 533, 533.
    expect(read).toEqual([2 * GROUP, GROUP, GROUP]);
    const merged = await m4c(['merge', ...states, '--format', 'json', '--no-sinks']);
    expect(merged.code, merged.stderr).toBe(one.code);
    const a = JSON.parse(merged.stdout),
      b = JSON.parse(one.stdout);
    expect(a.comparisons[0].result).toEqual(b.comparisons[0].result);
    expect(a.meta.rows_skipped).toEqual(b.meta.rows_skipped);
  });
});

describe('files that are not whole Parquet or Arrow IPC files: one line, exit 2', () => {
  const whole = { parquet: readFileSync(parquet), arrow: readFileSync(arrow) };
  const cases: [string, string, Buffer | string, RegExp][] = [
    ['an empty Parquet file', 'empty.parquet', '', /the file is empty, not Parquet/],
    ['a Parquet file cut short', 'cut.parquet', whole.parquet.subarray(0, whole.parquet.length >> 1), /ends without the PAR1 footer \(cut short\?\)/],
    ['JSONL named .parquet', 'text.parquet', readFileSync(jsonl), /not a Parquet file \(it does not start with PAR1\)/],
    ['an empty Arrow file', 'empty.arrow', '', /the file is empty, not Arrow IPC/],
    ['an Arrow IPC file cut short', 'cut.arrow', whole.arrow.subarray(0, whole.arrow.length >> 1), /ends without the ARROW1 footer \(cut short\?\)/],
    ['JSONL named .arrow', 'text.arrow', readFileSync(jsonl), /not an Arrow IPC file or stream/],
  ];
  for (const [, name, bytes] of cases) writeFileSync(join(tmp, name), bytes);
  it.each(cases)('%s (m4c compare, the real binary)', (_what, name, _bytes, message) => {
    const r = runM4c(['compare', '--data', join(tmp, name), ...BINARY]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^m4c: /);
    expect(r.stderr).toMatch(message);
  });

  it('the same from m4c run', async () => {
    const g = join(tmp, 'g.m4');
    writeFileSync(g, 'input y: i32[batch]\noutput z = y\n');
    for (const [, name, , message] of cases) {
      const r = await m4c(['run', g, '--data', join(tmp, name), '--quiet']);
      expect(r.code, name).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(message);
    }
  });
});
