/**
 * What must keep holding for the records runs leave behind (issue 11), through the real binary:
 * - a run SIGKILLed at any point leaves no partial record and none that looks complete without being so,
 *   and the SQLite store passes its integrity check afterwards;
 * - concurrent runs writing to one SQLite database and one JSONL file lose and mangle nothing;
 * - every bad data row is counted by reason, and the good rows' results are exactly those without them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteSink } from '../../runtime/sinks/sqlite-sink.ts';
import { prng as rng } from '../stdlib/metrics/support/synthetic.ts';
import { M4C, runM4c } from '../support/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-records-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function goodRow(k: number): string {
  const a = ((k * 7919) % 1000) / 1000;
  return `{"a": ${a}, "b": ${(a * 0.9 + 0.07) % 1}, "y": ${k % 3 === 0}, "r": "s${k % 4}"}`;
}

const ROWS = 20_000;
const data = join(tmp, 'data.jsonl');
writeFileSync(data, `${Array.from({ length: ROWS }, (_, k) => goodRow(k)).join('\n')}\n`);

/** A graph without models writing both sinks, `db` and `jsonl` relative to the file. */
function graph(dir: string): string {
  const file = join(dir, 'ab.m4');
  writeFileSync(
    file,
    `input a: f64[batch]
input b: f64[batch]
input y: bool[batch]
input r: str[batch]
compare ab {
  control: a
  treatment: b
  label: y
  slice_by: r
  task: binary(threshold: 0.5)
  metrics: [accuracy, auroc, agreement]
  bootstrap: 200
  gate agreement >= 0.5
  sink sqlite("results.db")
  sink jsonl("results.jsonl")
}
`,
  );
  return file;
}

interface Stored {
  sqlite: { status: string; rows_seen: number; metrics: number }[];
  jsonl: { status: string; meta: { rows_seen: number } }[];
}

/** Everything the sinks hold after the process is gone; the SQLite check runs after the journal rollback. */
function stored(dir: string): Stored {
  const out: Stored = { sqlite: [], jsonl: [] };
  const db = join(dir, 'results.db');
  if (existsSync(db)) {
    const sink = SqliteSink.open(db); // opening rolls back a hot journal, as any next writer would
    expect(sink.db.pragma('integrity_check', { simple: true })).toBe('ok');
    out.sqlite = sink.db
      .prepare(`SELECT r.status, r.rows_seen, (SELECT COUNT(*) FROM metrics m WHERE m.run_id = r.id) AS metrics FROM runs r`)
      .all() as Stored['sqlite'];
    sink.close();
  }
  const jsonl = join(dir, 'results.jsonl');
  if (existsSync(jsonl)) {
    const text = readFileSync(jsonl, 'utf8');
    expect(text === '' || text.endsWith('\n'), 'no partial last line').toBe(true);
    out.jsonl = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Stored['jsonl'][number]);
  }
  return out;
}

/** A record is only ever a whole, complete run of all the rows. */
function expectOnlyWholeRecords(s: Stored): void {
  for (const r of s.sqlite) expect(r).toMatchObject({ status: 'complete', rows_seen: ROWS });
  for (const r of s.sqlite) expect(r.metrics).toBeGreaterThan(0);
  for (const r of s.jsonl) expect(r).toMatchObject({ status: 'complete', meta: { rows_seen: ROWS } });
}

function startRun(file: string) {
  const child = spawn(process.execPath, [M4C, 'run', file, '--data', data, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stderr: () => stderr };
}

describe('records after crashes and with concurrent writers', () => {
  it('SIGKILL at random points: never a partial or falsely complete record, the store stays intact', async () => {
    // How long one whole run takes here, now: the kill points spread over it (and a little past it).
    const t0 = Date.now();
    const whole = startRun(graph(mkdtempSync(join(tmp, 'whole-'))));
    expect((await whole.exited).code, whole.stderr()).toBe(0);
    const span = Date.now() - t0;
    const next = rng(11);
    let killedMidway = 0;
    for (let i = 0; i < 6; i++) {
      const dir = mkdtempSync(join(tmp, `kill-${i}-`));
      const run = startRun(graph(dir));
      await new Promise((r) => setTimeout(r, Math.floor(next() * span * 1.1)));
      run.child.kill('SIGKILL');
      const end = await run.exited;
      if (end.signal === 'SIGKILL') killedMidway++;
      const s = stored(dir);
      expectOnlyWholeRecords(s);
      expect(s.sqlite.length).toBeLessThanOrEqual(1);
      expect(s.jsonl.length).toBeLessThanOrEqual(1);
    }
    expect(killedMidway).toBeGreaterThan(0);
  }, 300_000);

  it('four runs at once into one SQLite database and one JSONL file: four whole records in each', async () => {
    const dir = mkdtempSync(join(tmp, 'concurrent-'));
    const file = graph(dir);
    const runs = Array.from({ length: 4 }, () => startRun(file));
    const ends = await Promise.all(runs.map((r) => r.exited));
    ends.forEach((e, i) => expect(e.code, runs[i]!.stderr()).toBe(0));
    const s = stored(dir);
    expect(s.sqlite).toHaveLength(4);
    expect(s.jsonl).toHaveLength(4);
    expectOnlyWholeRecords(s);
  }, 300_000);
});

describe('bad rows', () => {
  it('every bad row is counted by its reason, and the good rows give exactly the results they give alone', () => {
    const good = Array.from({ length: 3000 }, (_, k) => goodRow(k));
    const kinds: [string, string][] = [
      ['invalid-json', '{"a": 0.5, "b": '],
      ['invalid-json', 'not json at all'],
      ['missing-field', '{"b": 0.5, "y": true, "r": "s1"}'],
      ['non-numeric', '{"a": "0.5", "b": 0.5, "y": true, "r": "s1"}'],
      ['wrong-type', '{"a": 0.5, "b": 0.5, "y": 7, "r": "s1"}'],
      ['wrong-type', '{"a": [0.5], "b": 0.5, "y": true, "r": "s1"}'],
      ['nan', '{"a": NaN, "b": 0.5, "y": true, "r": "s1"}'],
    ];
    const next = rng(7);
    const mixed = [...good];
    const expected: Record<string, number> = {};
    for (let i = 0; i < 250; i++) {
      const [reason, line] = kinds[Math.floor(next() * kinds.length)]!;
      mixed.splice(1 + Math.floor(next() * (mixed.length - 1)), 0, line);
      expected[reason] = (expected[reason] ?? 0) + 1;
    }
    const clean = join(tmp, 'clean.jsonl'),
      dirty = join(tmp, 'dirty.jsonl');
    writeFileSync(clean, `${good.join('\n')}\n`);
    writeFileSync(dirty, `${mixed.join('\n')}\n`);
    const args = (f: string) => [
      'compare',
      '--data',
      f,
      '--control',
      'a',
      '--treatment',
      'b',
      '--label',
      'y',
      '--slice-by',
      'r',
      '--task',
      'binary',
      '--bootstrap',
      '0',
      '--format',
      'json',
    ];
    const a = runM4c(args(clean)),
      b = runM4c(args(dirty));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ra = JSON.parse(a.stdout),
      rb = JSON.parse(b.stdout);
    expect(rb.meta.rows_skipped).toEqual(expected);
    expect(rb.meta.rows_seen).toBe(good.length + 250);
    // Without the bootstrap (whose resamples are keyed by row ordinals) every number is the same.
    expect(rb.comparisons[0].result).toEqual({ ...ra.comparisons[0].result });
  }, 120_000);
});
