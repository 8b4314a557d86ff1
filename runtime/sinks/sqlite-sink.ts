/**
 * The embedded default sink: one SQLite database (better-sqlite3) holding every run.
 *
 * A record is spread over `runs`, `run_models`, `metrics`, `gates`, `skipped_rows`, `slices` and
 * `charts`, plus the full result JSON in `runs.result_json`, all inside ONE transaction: a crash
 * or kill during the write leaves the database as it was before (SQLite's journal rolls the partial
 * transaction back on the next open). The schema and the opening rules are in sqlite-schema.ts.
 */
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { RunRecord } from '../../plan/record-types.ts';
import { CHILD_TABLES, recordRows, TABLE_COLUMNS, type RecordRows } from './record-rows.ts';
import { openResultsDatabase } from './sqlite-schema.ts';
import { SinkError, type Sink } from './sink.ts';
import { makeDirs } from '../make-dirs.js';

/** A sink writing to one SQLite file. Open it before the run starts, so a bad path fails early. */
export class SqliteSink implements Sink {
  readonly description: string;
  private closed = false;
  private readonly insert: Database.Transaction<(rows: RecordRows) => number>;

  private constructor(
    readonly path: string,
    readonly db: Database.Database,
  ) {
    this.description = `sqlite ${path}`;
    this.insert = prepareInsert(db);
  }

  /** Create the parent directories and the database (or migrate it). Throws SinkError. */
  static open(path: string): SqliteSink {
    try {
      makeDirs(dirname(path));
    } catch (err) {
      throw new SinkError(path, `cannot create its directory: ${(err as Error).message}`);
    }
    return new SqliteSink(path, openResultsDatabase(path));
  }

  /** Insert the record in one transaction. Throws SinkError; nothing is written then. */
  write(record: RunRecord): void {
    this.insertRecord(record);
  }

  /** {@link write}, returning the new `runs.id`. */
  insertRecord(record: RunRecord): number {
    return this.insertRows(recordRows(record));
  }

  /** The rows of one record (as `m4c db copy` reads them from another store), in one transaction; the new `runs.id`. */
  insertRows(rows: RecordRows): number {
    if (this.closed) throw new SinkError(this.path, 'the sink is closed');
    try {
      return this.insert.immediate(rows);
    } catch (err) {
      if (err instanceof SinkError) throw err;
      throw new SinkError(this.path, (err as Error).message, (err as { code?: unknown }).code === 'SQLITE_BUSY');
    }
  }

  /** SQLite's busy timeout (10 s when opened): a locked file makes a write wait this long, the thread blocked, then fail. */
  setLockWait(ms: number): void {
    if (!this.closed) this.db.pragma(`busy_timeout = ${Math.max(0, Math.ceil(ms))}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** The statements of one record, prepared once per connection, wrapped in one transaction. */
function prepareInsert(db: Database.Database): Database.Transaction<(rows: RecordRows) => number> {
  const ins = (table: keyof typeof TABLE_COLUMNS) => {
    const cols = TABLE_COLUMNS[table];
    return db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
  };
  const runs = ins('runs');
  const children = CHILD_TABLES.map((t) => [t, ins(t)] as const);
  return db.transaction((rows: RecordRows): number => {
    const runId = Number(runs.run(rows.run).lastInsertRowid);
    for (const [table, stmt] of children) for (const row of rows.children[table]) stmt.run({ run_id: runId, ...row });
    return runId;
  });
}
