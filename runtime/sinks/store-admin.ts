/**
 * `m4c db migrate` and `m4c db copy`: bring a results store to this m4's schema, and move a team's
 * history from one store to another (typically an SQLite file into PostgreSQL).
 *
 * A copy reads the source read-only and writes each run with its rows in one transaction of the target,
 * so an interrupted copy leaves whole runs only; runs the target already holds (same run key and
 * comparison) are skipped, so running the copy again finishes it without duplicating anything.
 */
import { SqliteSink } from './sqlite-sink.ts';
import { PostgresSink } from './postgres-sink.ts';
import { CHILD_TABLES, TABLE_COLUMNS, type ChildTable, type RecordRows, type Row } from './record-rows.ts';
import { SCHEMA_VERSION } from './results-schema.ts';
import { SinkError } from './sink.ts';
import type { SqlReader } from './sql-reader.ts';
import { parseStoreLocation, redactUrl } from './store-location.ts';
import { openStoreReadOnly, StoreReadError } from './store-reader.ts';

/** The schema version of a store before and after `m4c db migrate`. */
export interface MigrateResult {
  label: string;
  from: number;
  to: number;
}

/** Migrate the store at `location` (created when missing) to {@link SCHEMA_VERSION}. Throws SinkError. */
export async function migrateStore(location: string): Promise<MigrateResult> {
  const where = parseStoreLocation(location);
  let from = 0;
  try {
    const before = await openStoreReadOnly(location);
    from = before.version;
    await before.reader.close();
  } catch (err) {
    // A store that does not exist yet (or is empty) starts at 0; the sink names anything worse.
    if (!(err instanceof StoreReadError)) throw err;
  }
  const sink = where.kind === 'sqlite' ? SqliteSink.open(where.path) : await PostgresSink.open(where.url);
  await sink.close();
  return { label: where.kind === 'sqlite' ? where.path : redactUrl(where.url), from, to: SCHEMA_VERSION };
}

/** What a copy did. */
export interface CopyResult {
  copied: number;
  skipped: number;
}

/** The ORDER BY of each child table: its primary key (metrics: report order). */
function orderOf(table: ChildTable, reader: SqlReader): string {
  switch (table) {
    case 'run_models':
      return 'name';
    case 'metrics':
      return reader.sql.metricOrder;
    case 'gates':
      return 'position';
    case 'skipped_rows':
      return 'stage, reason';
    case 'slices':
      return 'slice, metric';
    case 'charts':
      return 'kind';
  }
}

/** A row with exactly the columns this code writes (columns an older schema lacks are null). */
function pick(row: Record<string, unknown>, columns: readonly string[]): Row {
  const out: Row = {};
  for (const c of columns) if (c !== 'run_id') out[c] = (row[c] ?? null) as Row[string];
  return out;
}

/** The rows of one stored run, read back. */
async function readRun(reader: SqlReader, id: number): Promise<RecordRows> {
  const run = pick((await reader.get<Record<string, unknown>>('SELECT * FROM runs WHERE id = ?', [id]))!, TABLE_COLUMNS.runs);
  const children = {} as Record<ChildTable, Row[]>;
  for (const table of CHILD_TABLES) {
    const rows = await reader.all<Record<string, unknown>>(`SELECT * FROM ${table} WHERE run_id = ? ORDER BY ${orderOf(table, reader)}`, [id]);
    children[table] = rows.map((r) => pick(r, TABLE_COLUMNS[table]));
  }
  // Runs recorded before metrics.position kept their report order in SQLite's rowid, read in that order.
  children.metrics.forEach((m, i) => {
    m.position ??= i;
  });
  return { run, children };
}

/**
 * Copy every run of `from` into `to` (created or migrated first), skipping those `to` already holds.
 * Throws SinkError (target) or StoreReadError (source); runs copied before a failure stay, whole.
 */
export async function copyStore(from: string, to: string, onRun?: (done: number, total: number) => void): Promise<CopyResult> {
  const target = parseStoreLocation(to);
  if (parseStoreLocation(from).kind === target.kind && from === to) throw new SinkError(to, 'the source and the target are the same store');
  const src = await openStoreReadOnly(from);
  let sink: SqliteSink | PostgresSink | undefined;
  let existing: ReadOnlyKeys | undefined;
  try {
    sink = target.kind === 'sqlite' ? SqliteSink.open(target.path) : await PostgresSink.open(target.url);
    existing = await ReadOnlyKeys.of(to);
    const runs = await src.reader.all<{ id: number; run_key: string; comparison: string }>('SELECT id, run_key, comparison FROM runs ORDER BY id');
    let copied = 0;
    let skipped = 0;
    for (const r of runs) {
      if (existing.has(r.run_key, r.comparison)) {
        skipped++;
      } else {
        await sink.insertRows(await readRun(src.reader, r.id));
        copied++;
      }
      onRun?.(copied + skipped, runs.length);
    }
    return { copied, skipped };
  } finally {
    await existing?.close();
    await sink?.close();
    await src.reader.close();
  }
}

/** The (run key, comparison) pairs a store already holds. */
class ReadOnlyKeys {
  private constructor(
    private readonly keys: Set<string>,
    private readonly reader: SqlReader,
  ) {}

  static async of(location: string): Promise<ReadOnlyKeys> {
    const store = await openStoreReadOnly(location);
    const rows = await store.reader.all<{ run_key: string; comparison: string }>('SELECT run_key, comparison FROM runs');
    return new ReadOnlyKeys(new Set(rows.map((r) => `${r.run_key}\u0000${r.comparison}`)), store.reader);
  }

  has(runKey: string, comparison: string): boolean {
    return this.keys.has(`${runKey}\u0000${comparison}`);
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}
