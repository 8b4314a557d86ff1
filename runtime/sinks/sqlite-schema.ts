/**
 * The SQLite results schema: ordered migrations, a `schema_version` table, and the rules for opening a
 * file that may not be ours.
 *
 * - A missing or empty file gets the whole schema, in one transaction.
 * - An m4 results database (`application_id` = {@link M4_APPLICATION_ID} and a `schema_version`
 *   table) is migrated forward, every pending migration in one transaction.
 * - A database with a newer schema than this code knows is refused: an older m4 must not write rows
 *   a newer dashboard would misread.
 * - Any other SQLite file, or a file that is not SQLite at all, is refused and left untouched —
 *   never silently recreated.
 *
 * Changing the schema means appending a migration, never editing a published one.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { M4_VERSION } from '../../plan/version.ts';
import { SinkError } from './sink.ts';

type Db = Database.Database;

/** `PRAGMA application_id` of m4 results databases: the ASCII bytes "m4R1". */
export const M4_APPLICATION_ID = 0x6d345231;

/** One schema step. Published migrations are never edited; a change appends one. */
export interface Migration {
  version: number;
  description: string;
  up(db: Db): void;
}

/** Every migration, in order; `version` is its 1-based position. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, models, metrics, gates, skipped rows and slices',
    up(db) {
      db.pragma(`application_id = ${M4_APPLICATION_ID}`);
      db.exec(`
        CREATE TABLE schema_version (
          version INTEGER PRIMARY KEY,
          applied_at TEXT NOT NULL,
          m4_version TEXT NOT NULL
        );
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY,
          run_key TEXT NOT NULL,
          comparison TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('complete', 'interrupted')),
          passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
          started_at TEXT NOT NULL,
          ended_at TEXT NOT NULL,
          plan_hash TEXT NOT NULL,
          source_file TEXT NOT NULL,
          m4_version TEXT NOT NULL,
          plan_m4_version TEXT NOT NULL,
          task TEXT NOT NULL,
          task_json TEXT NOT NULL,
          data_source TEXT,
          data_bytes INTEGER,
          data_head_sha256 TEXT,
          rows_seen INTEGER NOT NULL,
          rows_counted INTEGER NOT NULL,
          rows_skipped INTEGER NOT NULL,
          shard TEXT,
          merged_shards INTEGER,
          bootstrap INTEGER NOT NULL,
          seed INTEGER NOT NULL,
          confidence REAL NOT NULL,
          CHECK (passed = 0 OR status = 'complete'),
          UNIQUE (run_key, comparison)
        );
        CREATE INDEX runs_by_comparison ON runs (comparison, started_at);
        CREATE INDEX runs_by_plan ON runs (plan_hash);
        CREATE TABLE run_models (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          role TEXT,
          path TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          PRIMARY KEY (run_id, name)
        );
        CREATE TABLE metrics (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          metric TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('model', 'pair')),
          field TEXT NOT NULL CHECK (field IN ('control', 'treatment', 'delta', 'ratio', 'value')),
          value REAL,
          ci_low REAL,
          ci_high REAL,
          level REAL,
          ci_method TEXT,
          ci_reason TEXT,
          pvalue REAL,
          test TEXT,
          undefined_reason TEXT,
          CHECK (value IS NOT NULL OR undefined_reason IS NOT NULL),
          PRIMARY KEY (run_id, metric, field)
        );
        CREATE TABLE gates (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          text TEXT NOT NULL,
          metric TEXT NOT NULL,
          field TEXT NOT NULL,
          op TEXT NOT NULL CHECK (op IN ('>=', '>', '<=', '<')),
          bound REAL NOT NULL,
          confidence REAL,
          passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
          value REAL,
          ci_low REAL,
          ci_high REAL,
          reason TEXT NOT NULL,
          PRIMARY KEY (run_id, position)
        );
        CREATE TABLE skipped_rows (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          stage TEXT NOT NULL CHECK (stage IN ('source', 'comparison')),
          reason TEXT NOT NULL,
          count INTEGER NOT NULL CHECK (count > 0),
          PRIMARY KEY (run_id, stage, reason)
        );
        CREATE TABLE slices (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          slice TEXT NOT NULL,
          rows INTEGER NOT NULL,
          metric TEXT NOT NULL,
          control REAL,
          treatment REAL,
          delta REAL,
          value REAL,
          worse INTEGER NOT NULL CHECK (worse IN (0, 1)),
          undefined_reason TEXT,
          PRIMARY KEY (run_id, slice, metric)
        );
      `);
    },
  },
  {
    version: 2,
    description: 'dashboard charts and the full result JSON of each run',
    up(db) {
      db.exec(`
        CREATE TABLE charts (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          comparison TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('roc', 'pr', 'histogram', 'calibration', 'confusion')),
          json TEXT NOT NULL,
          PRIMARY KEY (run_id, kind)
        );
        ALTER TABLE runs ADD COLUMN result_json TEXT;
        ALTER TABLE runs ADD COLUMN notes_json TEXT;
      `);
    },
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The first 16 bytes of every SQLite 3 database file. */
export const SQLITE_MAGIC = 'SQLite format 3\0';

/** The first 16 bytes of a file as latin1 text, or null when it cannot be read. */
export function fileHeader(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function tableNames(db: Db): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[])
    .map((r) => r.name);
}

/** The schema version of an open database: 0 for an empty one. Throws SinkError for a database that is not ours. */
export function schemaVersionOf(db: Db, path: string): number {
  const tables = tableNames(db);
  if (tables.length === 0) return 0;
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (!tables.includes('schema_version') || appId !== M4_APPLICATION_ID) {
    const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', ...' : '');
    throw new SinkError(path, `it is an SQLite database but not an m4 results database (tables: ${shown}); refusing to modify it`);
  }
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Apply the pending migrations up to `target` (default: all) in one immediate transaction, so two
 * processes opening a new database at once do not both create it.
 */
export function migrate(db: Db, path: string, target: number = SCHEMA_VERSION): number {
  const run = db.transaction(() => {
    const current = schemaVersionOf(db, path);
    if (current > SCHEMA_VERSION) {
      throw new SinkError(path, `its schema version is ${current}, newer than this m4 (${M4_VERSION}) knows (${SCHEMA_VERSION}); upgrade m4 to write to it`);
    }
    const insert = (v: number) => db.prepare('INSERT INTO schema_version (version, applied_at, m4_version) VALUES (?, ?, ?)')
      .run(v, new Date().toISOString(), M4_VERSION);
    for (const m of MIGRATIONS) {
      if (m.version <= current || m.version > target) continue;
      m.up(db);
      insert(m.version);
    }
    return Math.max(current, Math.min(target, SCHEMA_VERSION));
  });
  return run.immediate();
}

/**
 * Open (creating if needed) an m4 results database at the newest schema. Every refusal is a
 * SinkError naming the path; the file is left as it was.
 */
export function openResultsDatabase(path: string, opts: { target?: number } = {}): Db {
  let exists = false;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new SinkError(path, 'it is a directory');
    exists = st.size > 0;
  } catch (err) {
    if (err instanceof SinkError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SinkError(path, (err as Error).message);
  }
  if (exists && fileHeader(path) !== SQLITE_MAGIC) throw new SinkError(path, 'it exists and is not an SQLite database; refusing to overwrite it');
  let db: Db;
  try {
    db = new Database(path);
  } catch (err) {
    throw new SinkError(path, (err as Error).message);
  }
  try {
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    migrate(db, path, opts.target);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof SinkError) throw err;
    throw new SinkError(path, (err as Error).message);
  }
}
