/**
 * `m4c serve`'s drain and its sinks, the built CLI as a child process against real stores (no mocks):
 * - PostgreSQL (`--db postgres://…`, a database of this file's own on the test server): SIGTERM/SIGINT under load
 *   leaves a complete last window and a complete cumulative record there, every row read accounted for; a second
 *   signal leaves no record of the serving run.
 * - A sink that does not answer: the SQLite file held under an exclusive lock by another connection, or PostgreSQL's
 *   `runs` table locked by another session. The process exits 3 by `--drain-timeout` + `--write-timeout` with one
 *   error line naming the sink and what was not written, and once the lock is released no record of the serving run
 *   is there — none looks complete.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hasStackTrace } from '../support/run-cli.ts';
import { findPostgres, postgresDatabases } from '../support/services.ts';
import { row, writeServeGraph } from '../runtime/serve/serve-models.ts';
import { killServers, postgresRecords, records, startServe, type Started } from './serve-process.ts';
import { BAD_REQUESTS, BIG_BATCHES, MIXED, expectAccounted, expectTurnedAway, loadAcrossSignal, untilRefused } from './serve-load.ts';

afterEach(killServers);

const admin = await findPostgres();
const databases = admin === null ? null : postgresDatabases(admin);
afterAll(async () => {
  await databases?.dropAll();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `n` single-row predict requests, each answered 200. */
async function predictSome(s: Started, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${s.url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: row(i, `u${i % 5}`) }),
    });
    expect(r.status).toBe(200);
    await r.text();
  }
}

/** The lines of `m4c:` errors (the log lines say `m4c serve:`). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('m4c: '));
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Short bounds: the lock outlasts them. */
const BOUNDS = ['--drain-timeout', '1s', '--write-timeout', '2s'];

describe('m4c serve: a sink that does not answer at the end of the drain', () => {
  it('an SQLite file under another connection’s exclusive lock: exit 3 naming the file and the records not written; none is there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-locked-'));
    const db = join(dir, 'live.db');
    const s = await startServe([writeServeGraph(dir), '--db', db, '--window', '1h', ...BOUNDS]);
    await predictSome(s, 20);
    // Another process's writer: the lock is the file's, whatever the connection.
    const holder = new Database(db);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      s.child.kill('SIGTERM');
      expect(await s.exit, s.stderr()).toBe(3);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(hasStackTrace(s.stderr())).toBe(false);
    expect(s.stderr()).toContain('SIGTERM: draining');
    expect(s.stderr()).not.toContain('stopped: last window written');
    // One line: the sink, why (SQLite's lock wait bounded by the deadline, or the deadline itself), what is missing.
    const errors = errorLines(s.stderr());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`^m4c: cannot write results to ${escape(db)}: .+; not written: window 0 and the cumulative record of serve run ${s.serveRun}$`),
    );
    // Nothing of the serving run was written (each record is one transaction), and the file is whole.
    expect(records(db).filter((r) => r.serve_run === s.serveRun)).toEqual([]);
    const check = new Database(db, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  }, 120_000);

  it('a window write already waiting on the lock when the signal comes (SQLite’s own 10 s wait): exit 3 by the bound, not an abort', async () => {
    // The sink writer's thread is inside SQLite while it waits: ended there, the process would abort (SIGABRT and
    // a native stack trace, ~10 s late). It waits in short slices instead, and gives up at the halt.
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-locked-window-'));
    const db = join(dir, 'live.db');
    const s = await startServe([writeServeGraph(dir), '--db', db, '--window', '1s', ...BOUNDS]);
    const holder = new Database(db);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      await predictSome(s, 20);
      // A window closes within a second of its pairs: its write then waits on the lock, from before the signal.
      await sleep(2500);
      s.child.kill('SIGTERM');
      expect(await s.exit, s.stderr()).toBe(3);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(hasStackTrace(s.stderr())).toBe(false);
    expect(s.stderr()).not.toContain('FATAL');
    const errors = errorLines(s.stderr());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^m4c: cannot write results to ${escape(db)}: .+; not written: window 0.* of serve run ${s.serveRun}$`));
    expect(records(db).filter((r) => r.serve_run === s.serveRun)).toEqual([]);
  }, 120_000);

  it.runIf(admin === null)('PostgreSQL is reachable (the PostgreSQL drain tests were skipped)', () => {
    expect.fail('no PostgreSQL server: set M4_TEST_POSTGRES_URL or start one (.ci/run)');
  });

  it.runIf(admin !== null)(
    'PostgreSQL with `runs` locked by another session: exit 3 naming the database and the records not written; none is there once it is released',
    async () => {
      const url = await databases!.fresh('serve_locked');
      const name = new URL(url).pathname.slice(1);
      const dir = mkdtempSync(join(tmpdir(), 'm4-serve-pg-locked-'));
      const s = await startServe([writeServeGraph(dir), '--db', url, '--window', '1h', ...BOUNDS]);
      await predictSome(s, 20);
      const holder = new pg.Client({ connectionString: url });
      holder.on('error', () => {});
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE runs IN ACCESS EXCLUSIVE MODE');
        s.child.kill('SIGTERM');
        expect(await s.exit, s.stderr()).toBe(3);
        // The server's session was waiting for the lock: it was waiting when the process left.
        expect(hasStackTrace(s.stderr())).toBe(false);
        const errors = errorLines(s.stderr());
        expect(errors).toHaveLength(1);
        const shown = url.replace(/:m4@/, ':***@');
        expect(errors[0]).toBe(
          `m4c: cannot write results to ${shown}: no answer within --drain-timeout + --write-timeout (1s + 2s); ` +
            `not written: window 0 and the cumulative record of serve run ${s.serveRun}`,
        );
        await holder.query('ROLLBACK');
        // The server's backend now gets the lock, runs the INSERT it was given, and finds its client gone: its
        // transaction rolls back. Wait (bounded) for it to leave before reading.
        for (let i = 0; i < 500; i++) {
          const left = await holder.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
          if (left.rows[0].n === 0) break;
          await sleep(20);
        }
      } finally {
        await holder.end();
      }
      expect((await postgresRecords(url)).filter((r) => r.serve_run === s.serveRun)).toEqual([]);
    },
    120_000,
  );
});

describe.runIf(admin !== null)('m4c serve: the drain with the PostgreSQL sink', () => {
  it.each([
    ['shadow', 'SIGTERM', '50'],
    ['canary', 'SIGINT', '1h'],
  ] as const)(
    '%s, %s with requests in flight, --window %s: every window record and the cumulative record complete in PostgreSQL, every row accounted for, exit 0',
    async (mode, signal, window) => {
      const url = await databases!.fresh('serve_drain');
      const dir = mkdtempSync(join(tmpdir(), 'm4-serve-pg-drain-'));
      const modeArgs = mode === 'canary' ? ['--mode', 'canary', '--percent', '30', '--sticky-by', 'user'] : [];
      // Windows of 50 pairs: some are written while serving, the last one by the drain (never shed: pairs enough to
      // fill several whatever the machine's load).
      const windowArgs = window === '1h' ? [] : ['--shadow-shed-load', '1'];
      const s = await startServe([writeServeGraph(dir), '--db', url, '--window', window, '--drain-timeout', '10m', ...modeArgs, ...windowArgs]);
      const arms = mode === 'canary' ? ['control', 'treatment'] : ['control'];
      const t = await loadAcrossSignal(s, signal, arms, MIXED);
      expectTurnedAway(t, MIXED);
      await untilRefused(s.port);
      expect(await s.exit, s.stderr()).toBe(0);
      expect(s.stderr()).toContain('stopped: last window written');
      expect(hasStackTrace(s.stderr())).toBe(false);
      expectAccounted(await postgresRecords(url), s, t.answeredRows, BAD_REQUESTS, t, window === '1h' ? 'one' : 'several');
    },
    180_000,
  );

  it('a second signal while the slow shadow’s queue drains: exit 130, no record of the serving run in PostgreSQL', async () => {
    const url = await databases!.fresh('serve_twice');
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-pg-twice-'));
    const slow = ['--max-batch', '1', '--shadow-queue', '1000000', '--shadow-shed-load', '1', '--shadow-timeout-ms', '600000'];
    const s = await startServe([writeServeGraph(dir, { slowHidden: 2048 }), '--db', url, '--window', '1h', '--drain-timeout', '10m', ...slow]);
    const t = await loadAcrossSignal(s, 'SIGTERM', ['control'], BIG_BATCHES);
    expect(t.problems).toEqual([]);
    await untilRefused(s.port);
    s.child.kill('SIGINT');
    expect(await s.exit, s.stderr()).toBe(130);
    expect(hasStackTrace(s.stderr())).toBe(false);
    expect((await postgresRecords(url)).filter((r) => r.serve_run === s.serveRun)).toEqual([]);
  }, 180_000);
});
