/**
 * The team sink: one PostgreSQL database (the `pg` client) shared by every machine that writes runs.
 *
 * A record is the same rows as in SQLite (record-rows.ts), written in ONE transaction: a writer killed
 * or disconnected mid-record leaves nothing (PostgreSQL rolls back a transaction whose session ends).
 * Writers on many machines append at once: ids come from an identity column and a record touches no
 * row another record touches. Each child table is one multi-row INSERT, so a record costs a handful of
 * round trips whatever its size.
 *
 * The connection is made again when it was lost (a server restarted, a failover, an idle session ended by the server
 * or a pooler): `m4c serve` writes for hours through one sink. A write that failed because the connection went is tried
 * once more on a new one when its COMMIT had not been sent (nothing of it can be there); after the COMMIT was sent the
 * write fails (it may or may not be there: trying again could write it twice) and the next write reconnects.
 */
import type pg from 'pg';
import type { RunRecord } from '../../plan/record-types.ts';
import { connectPostgres, openPostgresResults } from './postgres-schema.ts';
import { CHILD_TABLES, TABLE_COLUMNS, recordRows, type RecordRows, type Row } from './record-rows.ts';
import { SinkError, type Sink } from './sink.ts';
import { redactUrl } from './store-location.ts';

/** PostgreSQL takes at most 65,535 parameters per statement; stay well below. */
const MAX_PARAMS = 30_000;

/** A sink writing to one PostgreSQL database. Open it before the run starts, so a bad URL fails early. */
export class PostgresSink implements Sink {
  readonly description: string;
  private closed = false;
  /** The connection was lost (an error or its end): the next write makes a new one. */
  private lost = false;
  /** How many connections were made again after one was lost (for tests and logs). */
  reconnects = 0;

  private constructor(
    readonly path: string,
    private client: pg.Client,
    private readonly url: string,
  ) {
    this.description = `postgres ${path}`;
    this.watch(client);
  }

  /** Connect and migrate the schema. Throws SinkError naming the URL without its password. */
  static async open(url: string): Promise<PostgresSink> {
    return new PostgresSink(redactUrl(url), await openPostgresResults(url), url);
  }

  private watch(client: pg.Client): void {
    const lost = (): void => {
      if (client === this.client) this.lost = true;
    };
    client.on('error', lost);
    client.on('end', lost);
  }

  /** The connection to write on: the current one, or a new one when it was lost. Throws SinkError. */
  private async connection(): Promise<pg.Client> {
    if (!this.lost) return this.client;
    const old = this.client;
    this.client = await connectPostgres(this.url);
    this.lost = false;
    this.reconnects++;
    this.watch(this.client);
    void old.end().catch(() => {});
    return this.client;
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
    const first = await this.attempt(rows);
    if (!('error' in first)) return first.id;
    // The connection went before the COMMIT was sent: nothing of the record is there; once more on a new connection.
    if (!first.committing && this.connectionLost(first.error)) {
      this.lost = true;
      const again = await this.attempt(rows);
      if (!('error' in again)) return again.id;
      throw new SinkError(this.path, (again.error as Error).message);
    }
    throw new SinkError(this.path, (first.error as Error).message);
  }

  /** A connection failure rather than the server refusing the statement: no SQLSTATE, or class 08 / 57P (shutdown, terminated). */
  private connectionLost(err: unknown): boolean {
    const code = (err as { code?: unknown }).code;
    return this.lost || typeof code !== 'string' || code.startsWith('08') || code.startsWith('57P');
  }

  /** One transaction; its error, and whether the COMMIT had been sent, instead of a throw. */
  private async attempt(rows: RecordRows): Promise<{ id: number } | { error: unknown; committing: boolean }> {
    let c: pg.Client;
    try {
      c = await this.connection();
    } catch (err) {
      return { error: err instanceof SinkError ? new Error(err.detail) : err, committing: false };
    }
    let committing = false;
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
      committing = true;
      await c.query('COMMIT');
      return { id: runId };
    } catch (error) {
      await c.query('ROLLBACK').catch(() => {});
      return { error, committing };
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
