/**
 * Opening a PostgreSQL results database: the connection (the `pg` client), the migrations of
 * results-schema.ts in the PostgreSQL dialect, and the rules for a database that may not be ours.
 *
 * - A schema (the connection's `search_path`, `public` by default) without m4's tables gets the whole
 *   schema in one transaction. Other applications' tables may share it, but not m4's table names.
 * - An m4 results schema (a `schema_version` table carrying m4's comment) is migrated forward in one
 *   transaction, under an advisory lock so writers starting together on many machines migrate once.
 * - A newer schema than this code knows is refused; so are m4's table names without m4's
 *   `schema_version` (someone else's `runs` table).
 * - Read-only connections (the dashboard, `m4c report`) never migrate: every transaction of the session
 *   is READ ONLY (`default_transaction_read_only`), so even a bug cannot write.
 */
import pg from 'pg';
import { M4_VERSION } from '../../plan/version.ts';
import { ddlFor, MIGRATIONS, SCHEMA_VERSION } from './results-schema.ts';
import { SinkError } from './sink.ts';
import { redactUrl } from './store-location.ts';

/** The comment on `schema_version` that marks a PostgreSQL schema as an m4 results schema. */
export const M4_SCHEMA_COMMENT = 'm4 results schema';

/** Advisory lock key of migrations ("m4R1", as SQLite's application id). */
const MIGRATION_LOCK = 0x6d345231;

const M4_TABLES = ['runs', 'run_models', 'metrics', 'gates', 'skipped_rows', 'slices', 'charts'];

/** BIGINT (COUNT, ids) and NUMERIC (SUM) as JS numbers: every value m4 stores fits in 2^53. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Connect to `url`; read-only sessions cannot write. Throws SinkError naming the redacted URL. */
export async function connectPostgres(url: string, opts: { readOnly?: boolean; application?: string } = {}): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    types: TYPES as pg.CustomTypesConfig,
    application_name: opts.application ?? 'm4',
    connectionTimeoutMillis: 10_000,
    ...(opts.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  // A dropped connection surfaces as the failure of the next query; without a listener it would crash.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new SinkError(redactUrl(url), `cannot connect: ${(err as Error).message}`);
  }
  return client;
}

/**
 * The schema version of the connected schema: 0 when m4 has no table there. Throws SinkError for a
 * schema holding tables named like m4's that are not m4's.
 */
export async function postgresSchemaVersion(client: pg.Client, label: string): Promise<number> {
  const tables = (
    await client.query<{ name: string; comment: string | null }>(
      `SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c
     WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind IN ('r', 'p', 'v') AND c.relname = ANY($1)`,
      [[...M4_TABLES, 'schema_version']],
    )
  ).rows;
  if (tables.length === 0) return 0;
  const sv = tables.find((t) => t.name === 'schema_version');
  if (sv === undefined || sv.comment !== M4_SCHEMA_COMMENT) {
    const shown = tables
      .map((t) => t.name)
      .sort()
      .join(', ');
    throw new SinkError(
      label,
      `its schema holds tables named like m4's (${shown}) that are not an m4 results schema; refusing to modify them (use another database or schema)`,
    );
  }
  const row = (await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version')).rows[0];
  return row?.v ?? 0;
}

/** The refusal of a schema newer than this code. */
export function newerSchemaError(label: string, version: number): SinkError {
  return new SinkError(
    label,
    `its schema version is ${version}, newer than this m4 (${M4_VERSION}) knows (${SCHEMA_VERSION}); upgrade m4 to write to it`,
  );
}

/**
 * Apply the pending migrations up to `target` (default: all) in one transaction under an advisory
 * lock. Returns the version reached. Throws SinkError; nothing changes then.
 */
export async function migratePostgres(client: pg.Client, label: string, target: number = SCHEMA_VERSION): Promise<number> {
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const current = await postgresSchemaVersion(client, label);
    if (current > SCHEMA_VERSION) throw newerSchemaError(label, current);
    for (const m of MIGRATIONS) {
      if (m.version <= current || m.version > target) continue;
      for (const statement of ddlFor(m, 'postgres')) await client.query(statement);
      if (m.version === 1) await client.query(`COMMENT ON TABLE schema_version IS '${M4_SCHEMA_COMMENT}'`);
      await client.query('INSERT INTO schema_version (version, applied_at, m4_version) VALUES ($1, $2, $3)', [
        m.version,
        new Date().toISOString(),
        M4_VERSION,
      ]);
    }
    await client.query('COMMIT');
    return Math.max(current, Math.min(target, SCHEMA_VERSION));
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    if (err instanceof SinkError) throw err;
    throw new SinkError(label, (err as Error).message);
  }
}

/** Connect and migrate: a results database ready to write. Throws SinkError; the connection is closed then. */
export async function openPostgresResults(url: string, opts: { target?: number } = {}): Promise<pg.Client> {
  const label = redactUrl(url);
  const client = await connectPostgres(url);
  try {
    await migratePostgres(client, label, opts.target);
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
}
