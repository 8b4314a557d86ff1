/**
 * The team sink: one PostgreSQL database (the `pg` client) shared by every machine that writes runs.
 *
 * A record is the same rows as in SQLite (record-rows.ts), written in ONE transaction: a writer killed
 * or disconnected mid-record leaves nothing (PostgreSQL rolls back a transaction whose session ends).
 * Writers on many machines append at once: ids come from an identity column and a record touches no
 * row another record touches. Each child table is one multi-row INSERT, so a record costs a handful of
 * round trips whatever its size.
 */
import type pg from 'pg';
import type { RunRecord } from '../../plan/record-types.ts';
import { openPostgresResults } from './postgres-schema.ts';
import { CHILD_TABLES, TABLE_COLUMNS, recordRows, type RecordRows, type Row } from './record-rows.ts';
import { SinkError, type Sink } from './sink.ts';
import { redactUrl } from './store-location.ts';

/** PostgreSQL takes at most 65,535 parameters per statement; stay well below. */
const MAX_PARAMS = 30_000;

/** A sink writing to one PostgreSQL database. Open it before the run starts, so a bad URL fails early. */
export class PostgresSink implements Sink {
  readonly description: string;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly client: pg.Client,
  ) {
    this.description = `postgres ${path}`;
  }

  /** Connect and migrate the schema. Throws SinkError naming the URL without its password. */
  static async open(url: string): Promise<PostgresSink> {
    return new PostgresSink(redactUrl(url), await openPostgresResults(url));
  }

  /** Insert the record in one transaction. Throws SinkError; nothing is written then. */
  async write(record: RunRecord): Promise<void> {
    await this.insertRecord(record);
  }

  /** {@link write}, returning the new `runs.id`. */
  async insertRecord(record: RunRecord): Promise<number> {
    return this.insertRows(recordRows(record));
  }

  /** The rows of one record (as `m4c db copy` reads them from another store), in one transaction; the new `runs.id`. */
  async insertRows(rows: RecordRows): Promise<number> {
    if (this.closed) throw new SinkError(this.path, 'the sink is closed');
    const c = this.client;
    try {
      await c.query('BEGIN');
      const cols = TABLE_COLUMNS.runs;
      const res = await c.query<{ id: number }>(
        `INSERT INTO runs (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        cols.map((k) => rows.run[k] ?? null),
      );
      const runId = res.rows[0]!.id;
      for (const table of CHILD_TABLES)
        await insertMany(
          c,
          table,
          rows.children[table].map((r) => ({ run_id: runId, ...r })),
        );
      await c.query('COMMIT');
      return runId;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw new SinkError(this.path, (err as Error).message);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end().catch(() => {});
  }
}

/** Multi-row INSERTs of `rows` into `table`, chunked under the parameter limit. */
async function insertMany(c: pg.Client, table: (typeof CHILD_TABLES)[number], rows: Row[]): Promise<void> {
  const cols = TABLE_COLUMNS[table];
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / cols.length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: (string | number | null)[] = [];
    const tuples = chunk.map(
      (r) =>
        `(${cols
          .map((k) => {
            params.push(r[k] ?? null);
            return `$${params.length}`;
          })
          .join(', ')})`,
    );
    await c.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
}
