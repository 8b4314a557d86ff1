/**
 * The serving run's records are written on a thread of their own (runtime/serve/sink-thread.ts): a window write
 * waiting on an SQLite file another connection holds under `BEGIN EXCLUSIVE` (a backup, another writer) holds no
 * answer. Requests sent while it waits are answered before the lock is released; once it is released the record is
 * written whole, and the records land in the order the windows were cut. A halt (the second signal) meanwhile makes
 * the write waiting on the lock give up at its next 50 ms slice (nothing of it written) and drops those queued behind it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { subjectOf } from '../../../runtime/run-meta.ts';
import { openRunSinks } from '../../../runtime/sinks/run-sinks.ts';
import type { StartServeOptions } from '../../../runtime/serve/server.ts';
import { compiled, get, parseMetrics, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-serve-sink-thread-'));
const plan = compiled(writeServeGraph(dir));

/** Wait (polling, at most 60 s) until `done`. */
async function poll(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what}: not within 60 s`);
}

/** The pairs fed to the comparison so far, from `/metrics`. */
async function pairs(url: string): Promise<number> {
  return parseMetrics((await get(`${url}/metrics`)).body).samples.get('m4_comparison_rows_total{comparison="b_vs_a",kind="paired"}') ?? 0;
}

/**
 * A server writing its records to the SQLite file `name`, another connection to that file that can hold it locked
 * (`BEGIN EXCLUSIVE`: a backup, another writer), and their teardown.
 */
async function lockableServer(name: string, opts: Partial<StartServeOptions>) {
  const db = join(dir, name);
  const sinks = await openRunSinks(subjectOf(plan), { db });
  const s = await serve(plan, { sinks, ...opts });
  const holder = new Database(db);
  let locked = false;
  return {
    db,
    s,
    /** Single-row requests for rows [from, to), each answered 200. */
    async predict(from: number, to: number): Promise<void> {
      for (let i = from; i < to; i++) expect((await post(`${s.url}/v1/predict`, { inputs: row(i) })).status).toBe(200);
    },
    lock(): void {
      holder.exec('BEGIN EXCLUSIVE');
      locked = true;
    },
    unlock(): void {
      holder.exec('ROLLBACK');
      locked = false;
    },
    /** Release the lock, close the other connection, stop the server (unless `stopped` already), close the sinks. */
    async end(stopped = false): Promise<void> {
      if (locked) holder.exec('ROLLBACK');
      holder.close();
      if (!stopped) await s.shutdown();
      await sinks.close();
    },
    /** This serving run's records in the order written: window, status, rows counted. */
    runs(): unknown[] {
      const d = new Database(db, { readonly: true });
      try {
        return d.prepare('SELECT serve_window, status, rows_counted FROM runs WHERE serve_run = ? ORDER BY id').all(s.service.runId);
      } finally {
        d.close();
      }
    },
  };
}

describe('the records are written off the answers’ thread', () => {
  it('a window write waiting on a locked SQLite file: requests sent meanwhile are answered before the lock is released; then the record is written complete', async () => {
    // The write waits for the lock as long as the test holds it (not SQLite's 10 s): no step below is timed.
    const t = await lockableServer('locked.db', { sinkLockWaitMs: 600_000 });
    const { db, s } = t;
    const paired = (): Promise<number> => pairs(s.url);
    try {
      await t.predict(0, 10);
      await s.service.idle();
      t.lock();
      let settled = false;
      const first = s.service.closeWindow();
      first.then(
        () => (settled = true),
        () => (settled = true),
      );
      // The writer's thread says when its write starts: from then it waits on the lock.
      await poll('the write of window 0 started', () => s.service.writing !== null || settled);
      expect(s.service.writing).toBe(db);
      // Answers while the write waits; their pairs are cut into a second window, written after the first (in order).
      await t.predict(10, 30);
      await poll('30 pairs', async () => (await paired()) >= 30);
      const second = s.service.closeWindow();
      await poll('window 1 cut', () => s.service.unwritten() === `window 0 and window 1 of serve run ${s.service.runId}`);
      await t.predict(30, 35);
      // Every request was answered, and the first window's write still waits for the lock.
      expect(settled).toBe(false);
      expect(s.service.writing).toBe(db);
      t.unlock();
      expect((await first)?.meta.serve?.window).toBe(0);
      expect((await second)?.meta.serve?.window).toBe(1);
      expect(s.service.unwritten()).toBeNull();
    } finally {
      await t.end();
    }
    const d = new Database(db, { readonly: true });
    const runs = d.prepare('SELECT id, serve_run, serve_window, status, rows_counted FROM runs ORDER BY id').all() as {
      id: number;
      serve_run: string;
      serve_window: number | null;
      status: string;
      rows_counted: number;
    }[];
    const metrics = d.prepare('SELECT run_id, count(*) AS n FROM metrics GROUP BY run_id').all() as { run_id: number; n: number }[];
    d.close();
    // In the order cut: window 0 (the 10 rows before the lock), window 1 (the 20 answered while it waited), then at
    // shutdown the last window (the 5 after) and the cumulative record (all 35). Each whole: complete, with its metrics.
    expect(runs.map((r) => [r.serve_window, r.rows_counted])).toEqual([
      [0, 10],
      [1, 20],
      [2, 5],
      [null, 35],
    ]);
    expect(runs.every((r) => r.serve_run === s.service.runId && r.status === 'complete')).toBe(true);
    const byRun = new Map(metrics.map((m) => [m.run_id, m.n]));
    for (const r of runs) expect(byRun.get(r.id) ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it('a second signal (halt) while a window write waits on the lock: that write gives up at its next slice (nothing of it written), the window queued behind it is not written, nor anything after', async () => {
    const t = await lockableServer('halted.db', { sinkLockWaitMs: 600_000 });
    const { s } = t;
    try {
      await t.predict(0, 10);
      await s.service.idle();
      t.lock();
      const first = s.service.closeWindow();
      await poll('the write of window 0 started', () => s.service.writing !== null);
      await t.predict(10, 20);
      await poll('20 pairs', async () => (await pairs(s.url)) >= 20);
      const second = s.service.closeWindow();
      await poll('window 1 cut', () => s.service.unwritten() === `window 0 and window 1 of serve run ${s.service.runId}`);
      // The halt returns once the sinks' thread is out of SQLite: window 0's write, waiting on the lock, gave up at
      // its next slice (ending the thread inside SQLite's wait would abort the process); window 1's never started.
      await s.service.halt();
      expect(s.service.writing).toBeNull();
      t.unlock();
      await Promise.allSettled([first, second]);
      expect(s.service.unwritten()).toBe(`window 0 and window 1 of serve run ${s.service.runId}`);
    } finally {
      await t.end();
    }
    expect(t.runs()).toEqual([]);
  }, 120_000);

  it('a window record the sink refused (its file locked past the lock wait) is written before the next one, once the sink takes writes again', async () => {
    const logged: string[] = [];
    // A short lock wait: window 0's write gives up while the lock is held (refused), and is owed.
    const t = await lockableServer('refused.db', { sinkLockWaitMs: 100, log: (line) => logged.push(line) });
    const { s } = t;
    try {
      await t.predict(0, 10);
      await s.service.idle();
      t.lock();
      await expect(s.service.closeWindow()).rejects.toThrow(/cannot write results to .*refused\.db: database is locked/);
      expect(s.service.unwritten()).toBe(`window 0 of serve run ${s.service.runId}`);
      t.unlock();
      // The next window's write sends window 0 first.
      await t.predict(10, 15);
      await poll('15 pairs', async () => (await pairs(s.url)) >= 15);
      expect((await s.service.closeWindow())?.meta.serve?.window).toBe(1);
      expect(s.service.unwritten()).toBeNull();
      expect(logged).toContain('window 0: written (refused before)');
    } finally {
      await t.end();
    }
    expect(t.runs()).toEqual([
      { serve_window: 0, status: 'complete', rows_counted: 10 },
      { serve_window: 1, status: 'complete', rows_counted: 5 },
      { serve_window: null, status: 'complete', rows_counted: 15 },
    ]);
  }, 120_000);

  it('still refused at the stop: the stop fails, naming window 0 among what was not written (never exit 0 with a window missing)', async () => {
    const t = await lockableServer('refused-stop.db', { sinkLockWaitMs: 100, drainTimeoutMs: 500, writeTimeoutMs: 500 });
    const { s } = t;
    let stopped = false;
    try {
      await t.predict(0, 10);
      await s.service.idle();
      t.lock();
      await expect(s.service.closeWindow()).rejects.toThrow(/database is locked/);
      // Still locked at the stop: the last records cannot be written either; the error names window 0 too.
      const stop = s.shutdown();
      stopped = true;
      await expect(stop).rejects.toThrow(new RegExp(`not written: window 0.* of serve run ${s.service.runId}`));
    } finally {
      await t.end(stopped);
    }
  }, 120_000);
});
