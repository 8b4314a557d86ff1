/**
 * The SQL sink suite, run with the same assertions against both results stores: SQLite and a real
 * PostgreSQL server. Schema creation and versioning, migration from an older schema, refusal of a newer
 * one, one transaction per record, every value read back, the record invariants, and two writers.
 * Store-specific rules (SQLite files, PostgreSQL schemas and URLs) are in sqlite-sink.test.ts and
 * postgres-sink.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../runtime/sinks/results-schema.ts';
import type { ModelMetricResult, PairMetricResult } from '../../../plan/result-types.ts';
import { fixtureRecord } from './sink-records.ts';
import { postgresStore, sqliteStore, type StoreUnderTest, type TestConnection } from './support/stores.ts';

const ALL_TABLES = ['runs', 'run_models', 'metrics', 'gates', 'skipped_rows', 'slices', 'charts'];
const pgStore = await postgresStore();
const stores: StoreUnderTest[] = [sqliteStore(), ...(pgStore === null ? [] : [pgStore])];
afterAll(async () => {
  for (const s of stores) await s.cleanup();
});

async function counts(c: TestConnection): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ALL_TABLES) out[t] = (await c.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))!.n;
  return out;
}

async function versions(c: TestConnection): Promise<number[]> {
  return (await c.all<{ version: number }>('SELECT version FROM schema_version ORDER BY version')).map((r) => r.version);
}

it.runIf(pgStore === null)('PostgreSQL is reachable (the PostgreSQL half of this suite was skipped)', () => {
  expect.fail('no PostgreSQL server: set M4_TEST_POSTGRES_URL or start one (.ci/run)');
});

describe.each(stores)('$name store', (store) => {
  describe('schema', () => {
    it('creates the whole schema, versioned, in a new store; opening again migrates nothing', async () => {
      const loc = await store.fresh();
      await (await store.open(loc)).close();
      const c = await store.connect(loc);
      expect(await store.tables(c)).toEqual([...ALL_TABLES, 'schema_version'].sort());
      expect(await versions(c)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
      await (await store.open(loc)).close();
      expect(await versions(c)).toEqual(MIGRATIONS.map((m) => m.version));
      await c.close();
    });

    it('migrates a version-1 store in place, keeping its runs', async () => {
      const loc = await store.fresh();
      await store.openAt(loc, 1);
      const c = await store.connect(loc);
      expect(await versions(c)).toEqual([1]);
      await c.exec(`INSERT INTO runs (run_key, comparison, status, passed, started_at, ended_at, plan_hash, source_file, m4_version,
        plan_m4_version, task, task_json, rows_seen, rows_counted, rows_skipped, bootstrap, seed, confidence)
        VALUES ('old-run', 'ab', 'complete', 1, '2024-01-01T00:00:00Z', '2024-01-01T00:01:00Z', 'h', 'ab.m4', '0.0.9', '0.0.9',
        'binary', '{"kind":"binary","threshold":0.5}', 10, 10, 0, 0, 0, 0.95)`);
      const oldId = (await c.get<{ id: number }>("SELECT id FROM runs WHERE run_key = 'old-run'"))!.id;
      await c.exec("INSERT INTO metrics (run_id, metric, kind, field, value) VALUES (?, 'accuracy', 'model', 'control', 0.9)", [oldId]);
      await expect(c.all('SELECT result_json FROM runs')).rejects.toThrow(/no such column|does not exist/);

      const sink = await store.open(loc);
      expect(await versions(c)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await c.get("SELECT run_key, passed, result_json FROM runs WHERE run_key = 'old-run'")).toEqual({
        run_key: 'old-run',
        passed: 1,
        result_json: null,
      });
      expect(await c.get('SELECT value FROM metrics WHERE run_id = ?', [oldId])).toEqual({ value: 0.9 });
      await sink.write(fixtureRecord());
      await sink.close();
      const n = await counts(c);
      expect(n.runs).toBe(2);
      expect(n.charts).toBeGreaterThan(0);
      await c.close();
    });

    it('migrates a version-5 store: a Git root without a remote loses its `//`, a remote URL keeps it', async () => {
      const loc = await store.fresh();
      await store.openAt(loc, 5);
      const c = await store.connect(loc);
      const keys = ['/work/proj//graphs/ab.m4', 'https://example.org/team/fraud//graphs/ab.m4', 'git@example.org:team/fraud//ab.m4', 'm4c compare'];
      for (const [i, key] of keys.entries())
        await c.exec(
          `INSERT INTO runs (run_key, comparison, status, passed, started_at, ended_at, plan_hash, source_file, m4_version,
          plan_m4_version, task, task_json, rows_seen, rows_counted, rows_skipped, bootstrap, seed, confidence, graph_key)
          VALUES (?, 'ab', 'complete', 1, '2024-01-01T00:00:00Z', '2024-01-01T00:01:00Z', 'h', 'ab.m4', '0.0.9', '0.0.9',
          'binary', '{"kind":"binary","threshold":0.5}', 10, 10, 0, 0, 0, 0.95, ?)`,
          [`run-${i}`, key],
        );
      await (await store.open(loc)).close();
      const got = await c.all<{ graph_key: string }>('SELECT graph_key FROM runs ORDER BY run_key');
      expect(got.map((r) => r.graph_key)).toEqual(['/work/proj/graphs/ab.m4', ...keys.slice(1)]);
      await c.close();
    });

    it('refuses a store with a newer schema, leaving it unchanged', async () => {
      const loc = await store.fresh();
      await (await store.open(loc)).close();
      const c = await store.connect(loc);
      await c.exec("INSERT INTO schema_version (version, applied_at, m4_version) VALUES (99, 'later', '9.0.0')");
      const before = await counts(c);
      await expect(store.open(loc)).rejects.toThrow(
        new RegExp(`^cannot write results to .*: its schema version is 99, newer than this m4 .* knows \\(${SCHEMA_VERSION}\\); upgrade m4`),
      );
      expect(await counts(c)).toEqual(before);
      expect(await versions(c)).toEqual([...MIGRATIONS.map((m) => m.version), 99]);
      await c.close();
    });
  });

  describe('writing a record', () => {
    it('stores every value of the record, and the full result JSON', async () => {
      const loc = await store.fresh();
      const r = fixtureRecord();
      const sink = await store.open(loc);
      const id = await sink.insertRecord(r);
      await sink.close();
      const db = await store.connect(loc);
      const run = (await db.get<Record<string, unknown>>('SELECT * FROM runs WHERE id = ?', [id]))!;
      expect(run).toMatchObject({
        run_key: r.meta.run_id,
        comparison: 'v2_vs_v1',
        status: 'complete',
        passed: 0,
        started_at: '2025-01-02T03:04:05.000Z',
        ended_at: '2025-01-02T03:04:07.500Z',
        plan_hash: r.meta.plan_hash,
        source_file: 'examples/fraud/ab.m4',
        m4_version: '0.1.0',
        plan_m4_version: '0.1.0',
        task: 'binary',
        task_json: '{"kind":"binary","threshold":0.5}',
        data_source: '/srv/data/replay.jsonl',
        data_bytes: 123456,
        data_head_sha256: 'c'.repeat(64),
        rows_seen: 603,
        rows_counted: 600,
        rows_skipped: 3,
        shard: null,
        merged_shards: null,
        bootstrap: 200,
        seed: 1,
        confidence: 0.95,
      });
      expect(JSON.parse(run.result_json as string)).toEqual(r.result);
      expect(JSON.parse(run.notes_json as string)).toEqual([]);

      expect(await db.all('SELECT name, role, path, sha256 FROM run_models WHERE run_id = ? ORDER BY name', [id])).toEqual([
        { name: 'v1', role: 'control', path: '/srv/models/fraud-v1.onnx', sha256: 'a'.repeat(64) },
        { name: 'v2', role: 'treatment', path: '/srv/models/fraud-v2.onnx', sha256: 'b'.repeat(64) },
      ]);

      type MetricRow = {
        metric: string;
        kind: string;
        field: string;
        value: number | null;
        ci_low: number | null;
        ci_high: number | null;
        level: number | null;
        pvalue: number | null;
        test: string | null;
        undefined_reason: string | null;
        ci_reason: string | null;
        position: number;
      };
      const rows = await db.all<MetricRow>('SELECT * FROM metrics WHERE run_id = ? ORDER BY position', [id]);
      let expected = 0;
      for (const m of r.result.metrics) {
        if (m.shape !== 'scalar') continue;
        if (m.kind === 'pair') {
          const p = m as PairMetricResult;
          expected++;
          const row = rows.find((x) => x.metric === m.name && x.field === 'value')!;
          expect(row, m.name).toMatchObject({
            kind: 'pair',
            value: p.value,
            ci_low: p.intervals.value?.low ?? null,
            ci_high: p.intervals.value?.high ?? null,
          });
          continue;
        }
        const mm = m as ModelMetricResult;
        for (const f of ['control', 'treatment', 'delta', 'ratio'] as const) {
          expected++;
          const row = rows.find((x) => x.metric === m.name && x.field === f)!;
          // Bit for bit: the PostgreSQL columns are doubles, never floats.
          expect(row.value, `${m.name}.${f}`).toBe(mm[f]);
          expect(row.undefined_reason, `${m.name}.${f}`).toBe(mm[f] === null ? mm.reasons[f] : null);
          expect([row.ci_low, row.ci_high, row.level], `${m.name}.${f}`).toEqual([
            mm.intervals[f]?.low ?? null,
            mm.intervals[f]?.high ?? null,
            mm.intervals[f]?.level ?? null,
          ]);
          expect([row.pvalue, row.test], `${m.name}.${f}`).toEqual(f === 'delta' && mm.test ? [mm.test.pvalue, mm.test.test] : [null, null]);
        }
      }
      expect(rows).toHaveLength(expected);
      // Report order is kept: the first scalar metric's rows come first.
      expect(rows.map((x) => x.position)).toEqual(rows.map((_, i) => i));
      expect(rows[0]!.metric).toBe(r.result.metrics.find((m) => m.shape === 'scalar')!.name);
      expect(rows.find((x) => x.metric === 'auprc' && x.field === 'delta')!.ci_reason).toBe('the statistic is undefined in 200 of 200 resamples');

      const gates = await db.all<Record<string, unknown>>('SELECT * FROM gates WHERE run_id = ? ORDER BY position', [id]);
      expect(gates).toHaveLength(r.verdicts.length);
      r.verdicts.forEach((v, i) =>
        expect(gates[i]).toMatchObject({
          position: i,
          text: v.gate,
          metric: v.metric,
          field: v.field,
          op: v.op,
          bound: v.bound,
          confidence: v.confidence,
          passed: v.passed ? 1 : 0,
          value: v.value,
          ci_low: v.interval?.low ?? null,
          ci_high: v.interval?.high ?? null,
          reason: v.reason,
        }),
      );

      expect(await db.all('SELECT stage, reason, count FROM skipped_rows WHERE run_id = ? ORDER BY reason', [id])).toEqual([
        { stage: 'source', reason: 'invalid-json', count: 2 },
        { stage: 'source', reason: 'missing-field', count: 1 },
      ]);

      const slices = await db.all<Record<string, unknown>>('SELECT * FROM slices WHERE run_id = ?', [id]);
      const items = r.result.slices!.items;
      expect(slices).toHaveLength(items.reduce((s, i) => s + i.metrics.length, 0));
      const d = items.find((i) => i.slice === 'd')!;
      const dAuroc = d.metrics.find((m) => m.name === 'auroc')!;
      expect(slices.find((s) => s.slice === 'd' && s.metric === 'auroc')).toMatchObject({
        rows: d.rows,
        control: dAuroc.control,
        treatment: dAuroc.treatment,
        delta: dAuroc.delta,
        worse: 1,
      });
      expect(slices.filter((s) => s.worse === 1)).toHaveLength(r.result.slices!.worse.length);

      const charts = await db.all<{ kind: string; json: string }>('SELECT kind, json FROM charts WHERE run_id = ? ORDER BY kind', [id]);
      const present = (['calibration', 'confusion', 'histogram', 'pr', 'roc'] as const).filter((k) => r.result.charts[k] !== null);
      expect(charts.map((c) => c.kind)).toEqual(present);
      for (const c of charts) expect(JSON.parse(c.json)).toEqual(r.result.charts[c.kind as 'roc']);
      await db.close();
    });

    it('writes a record in one transaction: a failure in the last table leaves no row anywhere', async () => {
      const loc = await store.fresh();
      const sink = await store.open(loc);
      const c = await store.connect(loc);
      await store.breakCharts(c, 'disk on fire');
      await expect(sink.write(fixtureRecord())).rejects.toThrow(/^cannot write results to .*: .*disk on fire$/);
      expect(await counts(c)).toEqual(Object.fromEntries(ALL_TABLES.map((t) => [t, 0])));
      await store.breakCharts(c, null);
      await sink.write(fixtureRecord());
      await sink.close();
      expect((await counts(c)).runs).toBe(1);
      await c.close();
    });

    it('an interrupted run is stored as interrupted and not passed, with no passing gate', async () => {
      const loc = await store.fresh();
      const sink = await store.open(loc);
      // Even a record that claims to pass: the sink enforces the invariant where it stores it.
      const r = fixtureRecord((o) => {
        o.status = 'interrupted';
        o.meta.interrupted = true;
        for (const v of o.comparisons[0]!.verdicts) v.passed = true;
      });
      r.passed = true;
      const id = await sink.insertRecord(r);
      await sink.close();
      const c = await store.connect(loc);
      expect(await c.get('SELECT status, passed FROM runs WHERE id = ?', [id])).toEqual({ status: 'interrupted', passed: 0 });
      expect(await c.get('SELECT COUNT(*) AS n FROM gates WHERE run_id = ? AND passed = 1', [id])).toEqual({ n: 0 });
      // And the table refuses such a row outright.
      await expect(c.exec('UPDATE runs SET passed = 1 WHERE id = ?', [id])).rejects.toThrow(store.checkError);
      await c.close();
    });

    it('two connections append to one store without losing a record', async () => {
      const loc = await store.fresh();
      const a = await store.open(loc);
      const b = await store.open(loc);
      const run = (id: string) =>
        fixtureRecord((o) => {
          o.meta.run_id = id;
        });
      await a.write(run('first'));
      await b.write(run('second'));
      await a.write(run('third'));
      // The same run recorded twice is refused (run id and comparison are unique).
      await expect(b.write(run('second'))).rejects.toThrow(store.uniqueError);
      await a.close();
      await b.close();
      const c = await store.connect(loc);
      expect((await counts(c)).runs).toBe(3);
      await c.close();
    });
  });
});
