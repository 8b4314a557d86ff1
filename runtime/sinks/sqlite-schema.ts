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
 * The tables themselves are defined once for both stores, in results-schema.ts.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { M4_VERSION } from '../../plan/version.ts';
import { ddlFor, MIGRATIONS, SCHEMA_VERSION } from './results-schema.ts';
import { SinkError } from './sink.ts';

type Db = Database.Database;

/** `PRAGMA application_id` of m4 results databases: the ASCII bytes "m4R1". */
export const M4_APPLICATION_ID = 0x6d345231;

export { MIGRATIONS, SCHEMA_VERSION } from './results-schema.ts';

/** The first 16 bytes of every SQLite 3 database file. */
/** How long a write waits for another connection's lock on the file (SQLite's busy timeout), then fails. */
export const SQLITE_LOCK_WAIT_MS = 10_000;

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
  return (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
  ).map((r) => r.name);
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
      throw new SinkError(
        path,
        `its schema version is ${current}, newer than this m4 (${M4_VERSION}) knows (${SCHEMA_VERSION}); upgrade m4 to write to it`,
      );
    }
    const insert = (v: number) =>
      db.prepare('INSERT INTO schema_version (version, applied_at, m4_version) VALUES (?, ?, ?)').run(v, new Date().toISOString(), M4_VERSION);
    for (const m of MIGRATIONS) {
      if (m.version <= current || m.version > target) continue;
      // The application id marks the file as ours from the first migration on.
      if (m.version === 1) db.pragma(`application_id = ${M4_APPLICATION_ID}`);
      for (const statement of ddlFor(m, 'sqlite')) db.exec(statement);
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
    db.pragma(`busy_timeout = ${SQLITE_LOCK_WAIT_MS}`);
    db.pragma('foreign_keys = ON');
    migrate(db, path, opts.target);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof SinkError) throw err;
    throw new SinkError(path, (err as Error).message);
  }
}
