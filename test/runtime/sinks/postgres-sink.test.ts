/**
 * The rules only the PostgreSQL store has, against a real server: concurrent writers from many
 * processes, a writer killed mid-record, another application's tables, passwords kept out of messages,
 * and `postgres(env: "NAME")`. The shared suite is results-store.test.ts.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlanSink } from '../../../plan/plan-types.ts';
import { connectPostgres } from '../../../runtime/sinks/postgres-schema.ts';
import { PostgresSink } from '../../../runtime/sinks/postgres-sink.ts';
import { SCHEMA_VERSION } from '../../../runtime/sinks/results-schema.ts';
import { openRunSinks } from '../../../runtime/sinks/run-sinks.ts';
import { postgresReader } from '../../../runtime/sinks/sql-reader.ts';
import { findPostgres, postgresDatabases } from '../../support/services.ts';
import { fixtureOutcome, fixtureRecord } from './sink-records.ts';

const admin = await findPostgres();
const databases = admin === null ? null : postgresDatabases(admin);
afterAll(async () => {
  await databases?.dropAll();
});
const fresh = (tag: string): Promise<string> => databases!.fresh(tag);

/** The fixture record under its own run id (one record per run id and comparison). */
const record = (id: string) =>
  fixtureRecord((o) => {
    o.meta.run_id = id;
  });

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const r = postgresReader(await connectPostgres(url));
  try {
    return await r.all<T>(sql, params);
  } finally {
    await r.close();
  }
}

const TABLES = ['runs', 'run_models', 'metrics', 'gates', 'skipped_rows', 'slices', 'charts'];
async function counts(url: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await query<{ n: number }>(url, `SELECT COUNT(*) AS n FROM ${t}`))[0]!.n;
  return out;
}

function child(script: string, args: string[]) {
  const p = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  p.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) =>
    p.on('exit', (code, signal) => resolve({ code, signal, out, err })),
  );
  return { p, exited };
}

it.runIf(admin === null)('PostgreSQL is reachable (this suite was skipped)', () => {
  expect.fail('no PostgreSQL server: set M4_TEST_POSTGRES_URL or start one (.ci/run)');
});

describe.runIf(admin !== null)('PostgreSQL store', () => {
  it('8 writer processes at once, on a database none of them created, lose nothing', async () => {
    const url = await fresh('writers');
    const perWriter = 5;
    const writers = Array.from({ length: 8 }, (_, w) => child('pg-writer.ts', [url, `w${w}`, String(perWriter)]));
    const results = await Promise.all(writers.map((w) => w.exited));
    for (const r of results) expect(r, r.err).toMatchObject({ code: 0, out: 'done\n' });
    // One schema: the advisory lock let exactly one writer migrate.
    expect((await query<{ version: number }>(url, 'SELECT version FROM schema_version ORDER BY version')).map((r) => r.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    const runs = await query<{ run_key: string }>(url, 'SELECT run_key FROM runs ORDER BY run_key');
    expect(runs.map((r) => r.run_key)).toEqual(
      Array.from({ length: 8 }, (_, w) => Array.from({ length: perWriter }, (_, i) => `w${w}-${i}`))
        .flat()
        .sort(),
    );
    // Every record whole: each run has as many child rows as the single record has.
    const one = await fresh('one');
    const sink = await PostgresSink.open(one);
    await sink.write(fixtureRecord());
    await sink.close();
    const single = await counts(one);
    const all = await counts(url);
    for (const t of TABLES) expect(all[t], t).toBe(single[t]! * 8 * perWriter);
  }, 120_000);

  it('a writer killed in the middle of its transaction leaves no row, and the database stays usable', async () => {
    const url = await fresh('killed');
    await (await PostgresSink.open(url)).close();
    // Every insert into charts (the last table of a record) waits 3 s: time to kill the writer there.
    await query(url, 'CREATE FUNCTION pause() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$');
    await query(url, 'CREATE TRIGGER pause BEFORE INSERT ON charts FOR EACH ROW EXECUTE FUNCTION pause()');
    const w = child('pg-writer.ts', [url, 'killed', '1']);
    const deadline = Date.now() + 30_000;
    let pid: number | undefined;
    while (pid === undefined && Date.now() < deadline) {
      const rows = await query<{ pid: number }>(
        url,
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'INSERT INTO charts%'",
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pid, 'the writer reached the charts insert').toBeDefined();
    w.p.kill('SIGKILL');
    expect((await w.exited).signal).toBe('SIGKILL');
    // The server ends the orphaned session once the statement returns and finds its client gone.
    while (Date.now() < deadline) {
      if ((await query(url, 'SELECT 1 FROM pg_stat_activity WHERE pid = ?', [pid])).length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await counts(url)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
    await query(url, 'DROP TRIGGER pause ON charts');
    const sink = await PostgresSink.open(url);
    await sink.write(fixtureRecord());
    await sink.close();
    expect((await counts(url)).runs).toBe(1);
  }, 60_000);

  it('refuses a schema where another application has a table named runs, leaving it untouched', async () => {
    const url = await fresh('foreign');
    await query(url, 'CREATE TABLE runs (id serial PRIMARY KEY, athlete text)');
    await query(url, 'CREATE TABLE unrelated (x int)');
    await expect(PostgresSink.open(url)).rejects.toThrow(
      /its schema holds tables named like m4's \(runs\) that are not an m4 results schema; refusing to modify them/,
    );
    const tables = await query<{ t: string }>(url, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
    expect(tables.map((r) => r.t)).toEqual(['runs', 'unrelated']);
  });

  it('never prints the password of a URL it cannot use', async () => {
    const u = new URL(admin!);
    u.password = 'hunter2-secret';
    u.pathname = '/no_such_database_m4';
    const err = await PostgresSink.open(u.toString()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^cannot write results to postgres:\/\/m4:\*\*\*@127\.0\.0\.1:\d+\/no_such_database_m4: cannot connect: /);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('sink postgres(env: "NAME") reads the URL when the sink opens, and names an unset variable', async () => {
    const url = await fresh('env');
    const span = { file: 'ab.m4', line: 1, column: 1, endLine: 1, endColumn: 2 };
    const sinks: PlanSink[] = [{ kind: 'postgres', url: null, env: 'M4_TEST_SINK_URL', span }];
    const subject = { comparisons: [{ ...fixtureOutcome().comparisons[0]!.comparison, name: 'v2_vs_v1', sinks }] };
    delete process.env.M4_TEST_SINK_URL;
    await expect(openRunSinks(subject)).rejects.toThrow(/postgres\(env: "M4_TEST_SINK_URL"\): the environment variable M4_TEST_SINK_URL is not set/);
    process.env.M4_TEST_SINK_URL = url;
    try {
      const opened = await openRunSinks(subject);
      expect(opened.all.map((s) => s.description)).toEqual([`postgres ${url.replace(/:m4@/, ':***@')}`]);
      await opened.write([fixtureRecord()]);
      await opened.close();
    } finally {
      delete process.env.M4_TEST_SINK_URL;
    }
    expect((await counts(url)).runs).toBe(1);
  });

  it('a connection the server ended (a restart, a failover, an idle session killed) is made again: the next writes land, none twice', async () => {
    const url = await fresh('reconnect');
    const sink = await PostgresSink.open(url);
    try {
      await sink.write(record('r1'));
      const kill = async (): Promise<number> =>
        (
          await query<{ n: number }>(
            url,
            `SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          )
        )[0]!.n;
      // Ended while idle: the client hears of it, the next write connects again.
      expect(await kill()).toBe(1);
      await new Promise((r) => setTimeout(r, 200));
      await sink.write(record('r2'));
      expect(sink.reconnects).toBe(1);
      // Ended just now (no wait): either the client heard of it, or the write fails on the dead connection before its
      // COMMIT and is tried once more on a new one — both land the record once.
      expect(await kill()).toBe(1);
      await sink.write(record('r3'));
      expect(sink.reconnects).toBe(2);
    } finally {
      await sink.close();
    }
    expect((await counts(url)).runs).toBe(3);
  });

  it('a server that does not come back: the write fails naming the database; the next one tries again', async () => {
    const url = await fresh('gone');
    const sink = await PostgresSink.open(url);
    try {
      await query(url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
      // The database refuses new connections (as a server that is down would), then takes them again.
      await query(admin!, `ALTER DATABASE "${new URL(url).pathname.slice(1)}" ALLOW_CONNECTIONS false`);
      await expect(sink.write(record('r4'))).rejects.toThrow(/cannot write results to postgres:.*cannot connect/);
      await query(admin!, `ALTER DATABASE "${new URL(url).pathname.slice(1)}" ALLOW_CONNECTIONS true`);
      await sink.write(record('r5'));
    } finally {
      await sink.close();
    }
    expect((await counts(url)).runs).toBe(1);
  });
});
