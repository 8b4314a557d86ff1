/**
 * The JSONL sink, and how a run's sinks are chosen: the plan's declared sinks per comparison, or one
 * SQLite database for all with `--db`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
