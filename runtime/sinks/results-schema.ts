/**
 * The results schema, written once for both stores: ordered migrations in a neutral DDL that
 * {@link ddlFor} turns into SQLite or PostgreSQL. sqlite-schema.ts and postgres-schema.ts apply them
 * (each with its own rules for recognising and locking a database); nothing else defines a table.
 *
 * The neutral DDL is SQLite's with four type words, always upper case (column names are lower case):
 * `ID_KEY` (the auto-numbered primary key), `INTEGER` (64-bit), `REAL` (a double: PostgreSQL's REAL
 * would be a float and lose the metrics' last bits) and `TEXT` (compared byte by byte in both, so sorting
 * and uniqueness agree between the stores).
 *
 * Changing the schema means appending a migration, never editing a published one.
 */

/** The two SQL dialects m4 stores results in. */
export type Dialect = 'sqlite' | 'postgres';

/** One schema step. Published migrations are never edited; a change appends one. */
export interface Migration {
  version: number;
  description: string;
  /** Neutral DDL statements, separated by `;`. */
  ddl: string;
}

/** Every migration, in order; `version` is its 1-based position. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, models, metrics, gates, skipped rows and slices',
    ddl: `
      CREATE TABLE schema_version (
        version INTEGER PRIMARY KEY,
        applied_at TEXT NOT NULL,
        m4_version TEXT NOT NULL
      );
      CREATE TABLE runs (
        id ID_KEY,
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
      )`,
  },
  {
    version: 2,
    description: 'dashboard charts and the full result JSON of each run',
    ddl: `
      CREATE TABLE charts (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        comparison TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('roc', 'pr', 'histogram', 'calibration', 'confusion')),
        json TEXT NOT NULL,
        PRIMARY KEY (run_id, kind)
      );
      ALTER TABLE runs ADD COLUMN result_json TEXT;
      ALTER TABLE runs ADD COLUMN notes_json TEXT`,
  },
  {
    version: 3,
    description: "metrics.position: the report order of a run's metrics (PostgreSQL has no rowid to keep it)",
    ddl: `ALTER TABLE metrics ADD COLUMN position INTEGER`,
  },
  {
    version: 4,
    description: 'm4c serve: the serving run a record belongs to and its window (NULL: the cumulative record)',
    // `serve_window`, not `window`: WINDOW is a reserved word in PostgreSQL.
    ddl: `
      ALTER TABLE runs ADD COLUMN serve_run TEXT;
      ALTER TABLE runs ADD COLUMN serve_window INTEGER;
      CREATE INDEX runs_by_serve_run ON runs (serve_run, serve_window)`,
  },
  {
    version: 5,
    description: "graph_key: the stable identity of a run's graph file, which keys a comparison's series",
    // Runs recorded before have only the path as typed: it stays their identity.
    ddl: `
      ALTER TABLE runs ADD COLUMN graph_key TEXT;
      UPDATE runs SET graph_key = source_file;
      CREATE INDEX runs_by_series ON runs (graph_key, comparison, started_at)`,
  },
  {
    version: 6,
    description: 'graph_key: a file in a Git work tree without a remote is keyed by its real path (no `//` after the root)',
    // Keys of that kind were `/root//rel` (absolute, so they start with `/`); remote-URL keys keep their `//`.
    ddl: `UPDATE runs SET graph_key = replace(graph_key, '//', '/') WHERE graph_key LIKE '/%'`,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A migration's DDL in one dialect, one statement per element. */
export function ddlFor(m: Migration, dialect: Dialect): string[] {
  const statements = m.ddl
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (dialect === 'sqlite') return statements.map((s) => s.replace(/\bID_KEY\b/g, 'INTEGER PRIMARY KEY'));
  return statements.map((s) =>
    s
      .replace(/\bID_KEY\b/g, 'BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY')
      .replace(/\bINTEGER\b/g, 'BIGINT')
      .replace(/\bREAL\b/g, 'DOUBLE PRECISION')
      .replace(/\bTEXT\b/g, 'TEXT COLLATE "C"'),
  );
}
