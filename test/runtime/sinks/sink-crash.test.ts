/**
 * A process killed while it writes a record leaves no record: the child (fixtures/write-and-hang.ts)
 * blocks inside the record's transaction, at the last table; the parent SIGKILLs it there. SQLite's
 * journal then rolls the transaction back when the database is next opened.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../../runtime/sinks/results-schema.ts';
import { SqliteSink } from '../../../runtime/sinks/sqlite-sink.ts';

it('SIGKILL in the middle of the transaction leaves no row, and the database stays usable', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'm4-sink-crash-')), 'results.db');
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/write-and-hang.ts'), path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('in-transaction')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before pausing: ${err}`)));
  });
  // Rows of every table but `charts` are inserted and uncommitted: the rollback journal is hot.
  expect(existsSync(`${path}-journal`)).toBe(true);
  const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(out).not.toContain('finished');

  const sink = SqliteSink.open(path);
  for (const table of ['runs', 'run_models', 'metrics', 'gates', 'skipped_rows', 'slices', 'charts']) {
    expect((sink.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n, table).toBe(0);
  }
  expect(sink.db.pragma('integrity_check', { simple: true })).toBe('ok');
  sink.close();
  const d = new Database(path, { readonly: true });
  expect((d.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v).toBe(SCHEMA_VERSION);
  d.close();
}, 30_000);
