/**
 * The SQLite sink: schema creation, migration from an older schema, refusal of newer and foreign
 * files, one transaction per record (a failure mid-write leaves nothing), and every value read back.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { M4_APPLICATION_ID, MIGRATIONS, openResultsDatabase, SCHEMA_VERSION } from '../../../runtime/sinks/sqlite-schema.ts';
import { SqliteSink } from '../../../runtime/sinks/sqlite-sink.ts';
import { SinkError } from '../../../runtime/sinks/sink.ts';
import type { ModelMetricResult, PairMetricResult } from '../../../plan/result-types.ts';
import { fixtureRecord } from './sink-records.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-sqlite-sink-'));
let n = 0;
const fresh = (): string => join(tmp, `db-${++n}`, 'nested', 'results.db');
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const ALL_TABLES = ['runs', 'run_models', 'metrics', 'gates', 'skipped_rows', 'slices', 'charts'];

function counts(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(ALL_TABLES.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

describe('schema', () => {
  it('creates the parent directories and the whole schema, versioned, in a new file', () => {
    const path = fresh();
    const sink = SqliteSink.open(path);
    const tables = (sink.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual([...ALL_TABLES, 'schema_version'].sort());
    expect((sink.db.prepare('SELECT version FROM schema_version ORDER BY version').all() as { version: number }[]).map((r) => r.version)).toEqual([1, 2]);
    expect(sink.db.pragma('application_id', { simple: true })).toBe(M4_APPLICATION_ID);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    sink.close();
    // Opening again migrates nothing.
    const again = SqliteSink.open(path);
    expect((again.db.prepare('SELECT COUNT(*) AS n FROM schema_version').get() as { n: number }).n).toBe(2);
    again.close();
  });

  it('treats an existing empty file as a new database', () => {
    const path = join(tmp, 'empty.db');
    writeFileSync(path, '');
    SqliteSink.open(path).close();
    expect(counts(path).runs).toBe(0);
  });

  it('migrates a version-1 database in place, keeping its runs', () => {
    // A database as the first published schema left it: only migration 1 applied.
    const path = join(tmp, 'v1.db');
    const v1 = openResultsDatabase(path, { target: 1 });
    expect((v1.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v).toBe(1);
    v1.prepare(`INSERT INTO runs (run_key, comparison, status, passed, started_at, ended_at, plan_hash, source_file, m4_version,
      plan_m4_version, task, task_json, rows_seen, rows_counted, rows_skipped, bootstrap, seed, confidence)
      VALUES ('old-run', 'ab', 'complete', 1, '2024-01-01T00:00:00Z', '2024-01-01T00:01:00Z', 'h', 'ab.m4', '0.0.9', '0.0.9',
      'binary', '{"kind":"binary","threshold":0.5}', 10, 10, 0, 0, 0, 0.95)`).run();
    v1.prepare("INSERT INTO metrics (run_id, metric, kind, field, value) VALUES (1, 'accuracy', 'model', 'control', 0.9)").run();
    expect(() => v1.prepare('SELECT result_json FROM runs').all()).toThrow(/no such column/);
    v1.close();

    const sink = SqliteSink.open(path);
    expect((sink.db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v).toBe(2);
    const old = sink.db.prepare("SELECT run_key, passed, result_json FROM runs WHERE run_key = 'old-run'").get();
    expect(old).toEqual({ run_key: 'old-run', passed: 1, result_json: null });
    expect(sink.db.prepare('SELECT value FROM metrics WHERE run_id = 1').get()).toEqual({ value: 0.9 });
    sink.write(fixtureRecord());
    sink.close();
    expect(counts(path).runs).toBe(2);
    expect(counts(path).charts).toBeGreaterThan(0);
  });

  it('refuses a database with a newer schema, leaving it unchanged', () => {
    const path = fresh();
    SqliteSink.open(path).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_version (version, applied_at, m4_version) VALUES (99, 'later', '9.0.0')").run();
    db.close();
    const before = sha(path);
    expect(() => SqliteSink.open(path)).toThrow(SinkError);
    expect(() => SqliteSink.open(path)).toThrow(/^cannot write results to .*results\.db: its schema version is 99, newer than this m4 .* knows \(2\); upgrade m4/);
    expect(sha(path)).toBe(before);
  });

  it('refuses an unrelated SQLite database and a file that is not SQLite, never recreating them', () => {
    const foreign = join(tmp, 'app.db');
    const db = new Database(foreign);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')");
    db.close();
    const before = sha(foreign);
    expect(() => SqliteSink.open(foreign)).toThrow(/it is an SQLite database but not an m4 results database \(tables: users\); refusing to modify it$/);
    expect(sha(foreign)).toBe(before);

    // A `schema_version` table alone does not make a file ours: the application id must match too.
    const lookalike = join(tmp, 'lookalike.db');
    const l = new Database(lookalike);
    l.exec('CREATE TABLE schema_version (version INTEGER)');
    l.close();
    expect(() => SqliteSink.open(lookalike)).toThrow(/not an m4 results database/);

    const text = join(tmp, 'notes.db');
    writeFileSync(text, 'these are my notes\n');
    expect(() => SqliteSink.open(text)).toThrow(/it exists and is not an SQLite database; refusing to overwrite it$/);
    expect(readFileSync(text, 'utf8')).toBe('these are my notes\n');
  });

  it('a path that cannot be created is a one-line SinkError naming it', () => {
    const blocker = join(tmp, 'a-file');
    writeFileSync(blocker, 'x');
    expect(() => SqliteSink.open(join(blocker, 'sub', 'r.db'))).toThrow(/^cannot write results to .*a-file\/sub\/r\.db: cannot create its directory/);
  });
});

describe('writing a record', () => {
  it('stores every value of the record, and the full result JSON', () => {
    const path = fresh();
    const r = fixtureRecord();
    const sink = SqliteSink.open(path);
    const id = sink.insertRecord(r);
    const db = sink.db;
    const run = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Record<string, unknown>;
    expect(run).toMatchObject({
      run_key: r.meta.run_id, comparison: 'v2_vs_v1', status: 'complete', passed: 0,
      started_at: '2025-01-02T03:04:05.000Z', ended_at: '2025-01-02T03:04:07.500Z',
      plan_hash: r.meta.plan_hash, source_file: 'examples/fraud/ab.m4', m4_version: '0.1.0', plan_m4_version: '0.1.0',
      task: 'binary', task_json: '{"kind":"binary","threshold":0.5}',
      data_source: '/srv/data/replay.jsonl', data_bytes: 123456, data_head_sha256: 'c'.repeat(64),
      rows_seen: 603, rows_counted: 600, rows_skipped: 3, shard: null, merged_shards: null,
      bootstrap: 200, seed: 1, confidence: 0.95,
    });
    expect(JSON.parse(run.result_json as string)).toEqual(r.result);
    expect(JSON.parse(run.notes_json as string)).toEqual([]);

    expect(db.prepare('SELECT name, role, path, sha256 FROM run_models WHERE run_id = ? ORDER BY name').all(id)).toEqual([
      { name: 'v1', role: 'control', path: '/srv/models/fraud-v1.onnx', sha256: 'a'.repeat(64) },
      { name: 'v2', role: 'treatment', path: '/srv/models/fraud-v2.onnx', sha256: 'b'.repeat(64) },
    ]);

    type MetricRow = { metric: string; kind: string; field: string; value: number | null; ci_low: number | null; ci_high: number | null; level: number | null; pvalue: number | null; test: string | null; undefined_reason: string | null; ci_reason: string | null };
    const rows = db.prepare('SELECT * FROM metrics WHERE run_id = ?').all(id) as MetricRow[];
    let expected = 0;
    for (const m of r.result.metrics) {
      if (m.shape !== 'scalar') continue;
      if (m.kind === 'pair') {
        const p = m as PairMetricResult;
        expected++;
        const row = rows.find((x) => x.metric === m.name && x.field === 'value')!;
        expect(row, m.name).toMatchObject({ kind: 'pair', value: p.value, ci_low: p.intervals.value?.low ?? null, ci_high: p.intervals.value?.high ?? null });
        continue;
      }
      const mm = m as ModelMetricResult;
      for (const f of ['control', 'treatment', 'delta', 'ratio'] as const) {
        expected++;
        const row = rows.find((x) => x.metric === m.name && x.field === f)!;
        expect(row.value, `${m.name}.${f}`).toBe(mm[f]);
        expect(row.undefined_reason, `${m.name}.${f}`).toBe(mm[f] === null ? mm.reasons[f] : null);
        expect([row.ci_low, row.ci_high, row.level], `${m.name}.${f}`).toEqual([mm.intervals[f]?.low ?? null, mm.intervals[f]?.high ?? null, mm.intervals[f]?.level ?? null]);
        expect([row.pvalue, row.test], `${m.name}.${f}`).toEqual(f === 'delta' && mm.test ? [mm.test.pvalue, mm.test.test] : [null, null]);
      }
    }
    expect(rows).toHaveLength(expected);
    expect(rows.find((x) => x.metric === 'auprc' && x.field === 'delta')!.ci_reason).toBe('the statistic is undefined in 200 of 200 resamples');

    const gates = db.prepare('SELECT * FROM gates WHERE run_id = ? ORDER BY position').all(id) as Record<string, unknown>[];
    expect(gates).toHaveLength(r.verdicts.length);
    r.verdicts.forEach((v, i) => expect(gates[i]).toMatchObject({
      position: i, text: v.gate, metric: v.metric, field: v.field, op: v.op, bound: v.bound, confidence: v.confidence,
      passed: v.passed ? 1 : 0, value: v.value, ci_low: v.interval?.low ?? null, ci_high: v.interval?.high ?? null, reason: v.reason,
    }));

    expect(db.prepare('SELECT stage, reason, count FROM skipped_rows WHERE run_id = ? ORDER BY reason').all(id)).toEqual([
      { stage: 'source', reason: 'invalid-json', count: 2 },
      { stage: 'source', reason: 'missing-field', count: 1 },
    ]);

    const slices = db.prepare('SELECT * FROM slices WHERE run_id = ?').all(id) as Record<string, unknown>[];
    const items = r.result.slices!.items;
    expect(slices).toHaveLength(items.reduce((s, i) => s + i.metrics.length, 0));
    const d = items.find((i) => i.slice === 'd')!;
    const dAuroc = d.metrics.find((m) => m.name === 'auroc')!;
    expect(slices.find((s) => s.slice === 'd' && s.metric === 'auroc')).toMatchObject({
      rows: d.rows, control: dAuroc.control, treatment: dAuroc.treatment, delta: dAuroc.delta, worse: 1,
    });
    expect(slices.filter((s) => s.worse === 1)).toHaveLength(r.result.slices!.worse.length);

    const charts = db.prepare('SELECT kind, json FROM charts WHERE run_id = ? ORDER BY kind').all(id) as { kind: string; json: string }[];
    const present = (['calibration', 'confusion', 'histogram', 'pr', 'roc'] as const).filter((k) => r.result.charts[k] !== null);
    expect(charts.map((c) => c.kind)).toEqual(present);
    for (const c of charts) expect(JSON.parse(c.json)).toEqual(r.result.charts[c.kind as 'roc']);
    sink.close();
  });

  it('writes a record in one transaction: a failure in the last table leaves no row anywhere', () => {
    const path = fresh();
    const sink = SqliteSink.open(path);
    sink.db.exec("CREATE TRIGGER boom BEFORE INSERT ON charts BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    expect(() => sink.write(fixtureRecord())).toThrow(/^cannot write results to .*results\.db: disk on fire$/);
    expect(counts(path)).toEqual(Object.fromEntries(ALL_TABLES.map((t) => [t, 0])));
    sink.db.exec('DROP TRIGGER boom');
    sink.write(fixtureRecord());
    sink.close();
    expect(counts(path).runs).toBe(1);
  });

  it('an interrupted run is stored as interrupted and not passed, with no passing gate', () => {
    const path = fresh();
    const sink = SqliteSink.open(path);
    // Even a record that claims to pass: the sink enforces the invariant where it stores it.
    const r = fixtureRecord((o) => {
      o.status = 'interrupted';
      o.meta.interrupted = true;
      for (const v of o.comparisons[0]!.verdicts) v.passed = true;
    });
    r.passed = true;
    const id = sink.insertRecord(r);
    expect(sink.db.prepare('SELECT status, passed FROM runs WHERE id = ?').get(id)).toEqual({ status: 'interrupted', passed: 0 });
    expect(sink.db.prepare('SELECT COUNT(*) AS n FROM gates WHERE run_id = ? AND passed = 1').get(id)).toEqual({ n: 0 });
    // And the table refuses such a row outright.
    expect(() => sink.db.prepare("UPDATE runs SET passed = 1 WHERE id = ?").run(id)).toThrow(/CHECK constraint failed/);
    sink.close();
  });

  it('two connections append to one database without losing a record', () => {
    const path = fresh();
    const a = SqliteSink.open(path);
    const b = SqliteSink.open(path);
    const run = (id: string) => fixtureRecord((o) => { o.meta.run_id = id; });
    a.write(run('first'));
    b.write(run('second'));
    a.write(run('third'));
    // The same run recorded twice is refused (run id and comparison are unique).
    expect(() => b.write(run('second'))).toThrow(/UNIQUE constraint failed/);
    a.close();
    b.close();
    expect(counts(path).runs).toBe(3);
  });
});
