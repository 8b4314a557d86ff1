/**
 * The rules only SQLite files have: the application id, an empty file, files that are not ours or not
 * SQLite at all, directories. Everything both stores share is in results-store.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { M4_APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../../runtime/sinks/sqlite-schema.ts';
import { SqliteSink } from '../../../runtime/sinks/sqlite-sink.ts';
import { SinkError } from '../../../runtime/sinks/sink.ts';

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
    const tables = (sink.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
      (r) => r.name,
    );
    expect(tables).toEqual([...ALL_TABLES, 'schema_version'].sort());
    expect((sink.db.prepare('SELECT version FROM schema_version ORDER BY version').all() as { version: number }[]).map((r) => r.version)).toEqual(
      MIGRATIONS.map((m) => m.version),
    );
    expect(sink.db.pragma('application_id', { simple: true })).toBe(M4_APPLICATION_ID);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    sink.close();
    // Opening again migrates nothing.
    const again = SqliteSink.open(path);
    expect((again.db.prepare('SELECT COUNT(*) AS n FROM schema_version').get() as { n: number }).n).toBe(SCHEMA_VERSION);
    again.close();
  });

  it('treats an existing empty file as a new database', () => {
    const path = join(tmp, 'empty.db');
    writeFileSync(path, '');
    SqliteSink.open(path).close();
    expect(counts(path).runs).toBe(0);
  });

  it('refuses an unrelated SQLite database and a file that is not SQLite, never recreating them', () => {
    const foreign = join(tmp, 'app.db');
    const db = new Database(foreign);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')");
    db.close();
    const before = sha(foreign);
    expect(() => SqliteSink.open(foreign)).toThrow(
      /it is an SQLite database but not an m4 results database \(tables: users\); refusing to modify it$/,
    );
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
