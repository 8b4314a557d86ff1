/**
 * A results store opened for reading only — an SQLite file or a PostgreSQL database — after checking that
 * it is an m4 results store of a schema this code reads. The dashboard, `m4c report` and the source of
 * `m4c db copy` open stores this way; nothing here creates, migrates or changes anything.
 *
 * SQLite: the file is opened `readonly: true, fileMustExist: true`. PostgreSQL: every transaction of the
 * session is READ ONLY (`default_transaction_read_only`), so even a bug cannot write.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { EXIT, M4Error } from '../../plan/errors.ts';
import { connectPostgres, postgresSchemaVersion } from './postgres-schema.ts';
import { SCHEMA_VERSION } from './results-schema.ts';
import { SinkError } from './sink.ts';
import { postgresReader, sqliteReader, type SqlReader } from './sql-reader.ts';
import { fileHeader, M4_APPLICATION_ID, SQLITE_MAGIC } from './sqlite-schema.ts';
import { parseStoreLocation, redactUrl } from './store-location.ts';

/** A store that cannot be read; `message` is one line meant for the user (exit 2: nothing was run). */
export class StoreReadError extends M4Error {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** An open read-only store: its reader, its name for messages (no password), its schema version (>= 1). */
export interface ReadOnlyStore {
  reader: SqlReader;
  label: string;
  version: number;
}

/** Open `location` (a path or a postgres:// URL) read-only. Throws {@link StoreReadError}. */
export async function openStoreReadOnly(location: string): Promise<ReadOnlyStore> {
  let where;
  try {
    where = parseStoreLocation(location);
  } catch (err) {
    throw new StoreReadError((err as Error).message);
  }
  return where.kind === 'postgres' ? openPostgres(where.url) : openSqlite(where.path);
}

function checkNotNewer(label: string, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new StoreReadError(`${label} has results schema version ${version}, newer than this m4c reads (${SCHEMA_VERSION}): upgrade m4c`);
  }
}

function openSqlite(path: string): ReadOnlyStore {
  let size = -1;
  try {
    const st = statSync(path);
    if (st.isFile()) size = st.size;
  } catch {
    /* reported below */
  }
  if (size < 0) throw new StoreReadError(`no results database at ${path}`);
  if (size === 0 || fileHeader(path) !== SQLITE_MAGIC) throw new StoreReadError(`${path} is not an SQLite database`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new StoreReadError(`cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    // A run being written holds the write lock for a moment: wait for it rather than fail the request.
    db.pragma('busy_timeout = 5000');
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (appId !== M4_APPLICATION_ID || !tables.has('schema_version') || !tables.has('runs')) {
      throw new StoreReadError(`${path} is an SQLite database but not an m4 results database`);
    }
    const version = (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
    checkNotNewer(path, version);
    return { reader: sqliteReader(db), label: path, version };
  } catch (err) {
    db.close();
    if (err instanceof StoreReadError) throw err;
    throw new StoreReadError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

async function openPostgres(url: string): Promise<ReadOnlyStore> {
  const label = redactUrl(url);
  let client;
  try {
    client = await connectPostgres(url, { readOnly: true, application: 'm4 reader' });
  } catch (err) {
    throw new StoreReadError(err instanceof SinkError ? `${label}: ${err.detail}` : (err as Error).message);
  }
  try {
    const version = await postgresSchemaVersion(client, label);
    if (version === 0)
      throw new StoreReadError(`${label} holds no m4 results: write a run to it first (m4c run ... --db URL, or m4c db migrate --db URL)`);
    checkNotNewer(label, version);
    return { reader: postgresReader(client), label, version };
  } catch (err) {
    await client.end().catch(() => {});
    if (err instanceof StoreReadError) throw err;
    throw new StoreReadError(err instanceof SinkError ? `${label}: ${err.detail}` : `cannot read ${label}: ${(err as Error).message}`);
  }
}
