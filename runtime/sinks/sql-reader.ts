/**
 * One way to run a query on either results store, so the dashboard, `m4c db copy` and the tests write
 * each query once. Queries use SQLite's parameter syntax (`?` and `@name`); for PostgreSQL they are
 * rewritten to `$1…` ({@link toPostgresParams}). What differs beyond that is a few fragments
 * ({@link SqlFragments}), not whole queries.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Dialect } from './results-schema.ts';

/** Query parameters: positional (`?`) or named (`@name`). */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** Read access to a results store. */
export interface SqlReader {
  readonly dialect: Dialect;
  /** SQL that differs between the dialects. */
  readonly sql: SqlFragments;
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  close(): Promise<void>;
}

/** The pieces of SQL the two dialects spell differently. */
export interface SqlFragments {
  /** True when `needle` (already lower-cased) occurs in `hay`: a plain substring test, no wildcards. */
  contains(hay: string, needle: string): string;
  /** A subquery of the ids in a JSON array parameter: `x IN (${ids('?')})`. */
  ids(param: string): string;
  /** A subquery of the strings in a JSON array parameter: `x IN (${texts('?')})`. */
  texts(param: string): string;
  /** The order rows of `metrics` were written in (report order). */
  readonly metricOrder: string;
}

const SQLITE_SQL: SqlFragments = {
  contains: (hay, needle) => `instr(${hay}, ${needle}) > 0`,
  ids: (param) => `SELECT value FROM json_each(${param})`,
  texts: (param) => `SELECT value FROM json_each(${param})`,
  // Runs recorded before metrics.position existed have it NULL; rowid is their write order.
  metricOrder: 'rowid',
};

const POSTGRES_SQL: SqlFragments = {
  contains: (hay, needle) => `strpos(${hay}, ${needle}) > 0`,
  ids: (param) => `SELECT (json_array_elements_text(${param}::json))::bigint`,
  texts: (param) => `SELECT json_array_elements_text(${param}::json)`,
  metricOrder: 'position',
};

/**
 * `?` and `@name` parameters as PostgreSQL's `$n` (a name used twice is one parameter), skipping quoted
 * text; returns the new SQL and the parameter values in order.
 */
export function toPostgresParams(sql: string, params: SqlParams = []): { text: string; values: unknown[] } {
  const positional = Array.isArray(params) ? (params as readonly unknown[]) : null;
  const named = positional === null ? (params as Readonly<Record<string, unknown>>) : {};
  const values: unknown[] = [];
  const index = new Map<string, number>();
  let next = 0;
  let out = '';
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (ch === '?') {
      if (positional === null || next >= positional.length) throw new Error(`query has more ? than the ${positional?.length ?? 0} parameters given`);
      values.push(positional[next++]);
      out += `$${values.length}`;
    } else if (ch === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))!;
      const name = m[0];
      let k = index.get(name);
      if (k === undefined) {
        if (!(name in named)) throw new Error(`query parameter @${name} not given`);
        values.push(named[name]);
        index.set(name, (k = values.length));
      }
      out += `$${k}`;
      i += name.length;
    } else {
      out += ch;
    }
  }
  return { text: out, values };
}

/** A reader over an open better-sqlite3 connection (statements prepared once). */
export function sqliteReader(db: Database.Database): SqlReader {
  const statements = new Map<string, Database.Statement>();
  const stmt = (sql: string): Database.Statement => {
    let s = statements.get(sql);
    if (s === undefined) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const args = (p: SqlParams): unknown[] => (Array.isArray(p) ? [...(p as unknown[])] : [p]);
  return {
    dialect: 'sqlite',
    sql: SQLITE_SQL,
    all: async <T>(sql: string, params: SqlParams = []) => stmt(sql).all(...args(params)) as T[],
    get: async <T>(sql: string, params: SqlParams = []) => stmt(sql).get(...args(params)) as T | undefined,
    close: async () => {
      db.close();
    },
  };
}

/** A reader over a connected `pg` client. */
export function postgresReader(client: pg.Client): SqlReader {
  const all = async <T>(sql: string, params: SqlParams = []): Promise<T[]> => {
    const q = toPostgresParams(sql, params);
    return (await client.query(q.text, q.values)).rows as T[];
  };
  return {
    dialect: 'postgres',
    sql: POSTGRES_SQL,
    all,
    get: async <T>(sql: string, params: SqlParams = []) => (await all<T>(sql, params))[0],
    close: async () => {
      await client.end().catch(() => {});
    },
  };
}
