/**
 * The JSONL sink, and how a run's sinks are chosen: the plan's declared sinks per comparison, or one
 * SQLite database for all with `--db`.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { PlanSink } from '../../../plan/plan-types.ts';
import { JsonlSink } from '../../../runtime/sinks/jsonl-sink.ts';
import { openRunSinks, SinkError } from '../../../runtime/sinks/run-sinks.ts';
import type { SubjectComparison } from '../../../plan/record-types.ts';
import { fixtureOutcome, fixtureRecord } from './sink-records.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-jsonl-sink-'));
const span = { file: 'ab.m4', line: 1, column: 1, endLine: 1, endColumn: 2 };

describe('JSONL sink', () => {
  it('appends one parseable line per record, creating parent directories', () => {
    const path = join(tmp, 'deep', 'dir', 'runs.jsonl');
    const sink = JsonlSink.open(path);
    const a = fixtureRecord();
    const b = fixtureRecord((o) => {
      o.meta.run_id = 'second';
    });
    sink.write(a);
    sink.write(b);
    sink.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual(a);
    expect(JSON.parse(lines[1]!).meta.run_id).toBe('second');
  });

  it('writeOnce writes a run key and comparison once: a retried merge finds its line instead of adding one', () => {
    const path = join(tmp, 'once', 'runs.jsonl');
    const a = fixtureRecord((o) => {
      o.meta.run_id = 'replay-1';
    });
    expect(JsonlSink.open(path).writeOnce(a)).toBe(true);
    // The retry: another process, another sink on the same file.
    expect(JsonlSink.open(path).writeOnce(a)).toBe(false);
    const other = { ...a, comparison: { ...a.comparison, name: 'second_comparison' } };
    expect(JsonlSink.open(path).writeOnce(other)).toBe(true);
    const b = fixtureRecord((o) => {
      o.meta.run_id = 'replay-2';
    });
    JsonlSink.open(path).write(b);
    expect(JsonlSink.open(path).writeOnce(b)).toBe(false);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => [JSON.parse(l).meta.run_id, JSON.parse(l).comparison.name])).toEqual([
      ['replay-1', a.comparison.name],
      ['replay-1', 'second_comparison'],
      ['replay-2', b.comparison.name],
    ]);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("a crash's truncated last line never swallows the next record, and never counts as the record", () => {
    const path = join(tmp, 'fragment.jsonl');
    const a = fixtureRecord((o) => {
      o.meta.run_id = 'cut';
    });
    // What a writer killed inside its write leaves: the start of the same record, no newline.
    writeFileSync(path, JSON.stringify(a).slice(0, 300));
    expect(JsonlSink.open(path).writeOnce(a)).toBe(true);
    JsonlSink.open(path).write(fixtureRecord());
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(() => JSON.parse(lines[0]!)).toThrow();
    expect(JSON.parse(lines[1]!)).toEqual(a);
    expect(JSON.parse(lines[2]!)).toEqual(fixtureRecord());
  });

  it('a lock left by a killed writer is taken over once stale', () => {
    const path = join(tmp, 'stale.jsonl');
    writeFileSync(`${path}.lock`, '12345\n');
    const old = new Date(Date.now() - 120_000);
    utimesSync(`${path}.lock`, old, old);
    expect(JsonlSink.open(path).writeOnce(fixtureRecord())).toBe(true);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('eight processes writing the same record at once leave one line', async () => {
    const path = join(tmp, 'race.jsonl');
    appendFileSync(path, '');
    const record = JSON.stringify(fixtureRecord((o) => (o.meta.run_id = 'race')));
    const code = `import { JsonlSink } from ${JSON.stringify(join(import.meta.dirname, '../../../runtime/sinks/jsonl-sink.ts'))};
      process.stdout.write(String(JsonlSink.open(${JSON.stringify(path)}).writeOnce(${record})));`;
    const outs = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '',
              err = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.stderr.on('data', (d: Buffer) => (err += d.toString()));
            child.on('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(err))));
          }),
      ),
    );
    expect(outs.filter((o) => o === 'true')).toHaveLength(1);
    expect(outs.filter((o) => o === 'false')).toHaveLength(7);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(1);
  }, 120_000);

  it('a path that cannot be written is a one-line SinkError naming it', () => {
    const dir = join(tmp, 'is-a-dir');
    JsonlSink.open(join(dir, 'x.jsonl'));
    expect(() => JsonlSink.open(dir)).toThrow(/^cannot write results to .*is-a-dir: it is a directory$/);
    const blocker = join(tmp, 'blocker');
    writeFileSync(blocker, '');
    expect(() => JsonlSink.open(join(blocker, 'runs.jsonl'))).toThrow(SinkError);
  });
});

describe('the sinks of a run', () => {
  const comparison = (name: string, sinks: PlanSink[]): SubjectComparison => {
    const c = fixtureOutcome().comparisons[0]!.comparison;
    return { ...c, name, sinks };
  };

  it('opens each declared sink once, shared by the comparisons that name it, and writes each record to its own', async () => {
    const db = join(tmp, 'declared', 'ab.db');
    const jsonl = join(tmp, 'declared', 'runs.jsonl');
    const sinks = await openRunSinks({
      comparisons: [
        comparison('first', [
          { kind: 'sqlite', path: db, span },
          { kind: 'jsonl', path: jsonl, span },
        ]),
        comparison('second', [{ kind: 'sqlite', path: db, span }]),
      ],
    });
    expect(sinks.all.map((s) => s.description)).toEqual([`sqlite ${db}`, `jsonl ${jsonl}`]);
    expect(sinks.of('second')).toHaveLength(1);
    const first = fixtureRecord((o) => {
      o.comparisons[0]!.name = 'first';
    });
    const second = fixtureRecord((o) => {
      o.comparisons[0]!.name = 'second';
    });
    await sinks.write([first, second]);
    await sinks.close();
    const d = new Database(db, { readonly: true });
    expect(d.prepare('SELECT comparison FROM runs ORDER BY id').all()).toEqual([{ comparison: 'first' }, { comparison: 'second' }]);
    d.close();
    expect(
      readFileSync(jsonl, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).comparison.name),
    ).toEqual(['first']);
  });

  it('--db replaces every declared sink with one SQLite database', async () => {
    const override = join(tmp, 'override', 'all.db');
    const declared = join(tmp, 'override', 'declared.jsonl');
    const sinks = await openRunSinks(
      { comparisons: [comparison('first', [{ kind: 'jsonl', path: declared, span }]), comparison('second', [])] },
      { db: override },
    );
    expect(sinks.all.map((s) => s.description)).toEqual([`sqlite ${override}`]);
    await sinks.write([
      fixtureRecord((o) => {
        o.comparisons[0]!.name = 'first';
      }),
      fixtureRecord((o) => {
        o.comparisons[0]!.name = 'second';
      }),
    ]);
    await sinks.close();
    const d = new Database(override, { readonly: true });
    expect((d.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n).toBe(2);
    d.close();
    expect(() => readFileSync(declared)).toThrow(/ENOENT/);
  });

  it('a sink that cannot be opened fails before the run, closing the ones already open', async () => {
    const text = join(tmp, 'not-a-db.db');
    writeFileSync(text, 'hello');
    const good = join(tmp, 'good.db');
    await expect(
      openRunSinks({
        comparisons: [
          comparison('a', [
            { kind: 'sqlite', path: good, span },
            { kind: 'sqlite', path: text, span },
          ]),
        ],
      }),
    ).rejects.toThrow(/^cannot write results to .*not-a-db\.db: it exists and is not an SQLite database/);
    // The good database was closed: another connection can take the write lock at once.
    const d = new Database(good);
    d.exec('BEGIN IMMEDIATE; ROLLBACK');
    d.close();
  });

  it('--db with a URL scheme m4 does not know is refused before anything is created', async () => {
    for (const db of ['mysql://u@h/db', 'sqlite://results.db', 'redis://127.0.0.1:6379']) {
      await expect(openRunSinks({ comparisons: [comparison('a', [])] }, { db })).rejects.toThrow(
        /unknown database URL scheme "\w+:\/\/": give an SQLite file path or a postgres:\/\//,
      );
      // Before, `--db mysql://u@h/db` created ./mysql:/u@h/db as an SQLite file.
      expect(existsSync(db.slice(0, db.indexOf(':') + 1))).toBe(false);
    }
  });
});
