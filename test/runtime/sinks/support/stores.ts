/**
 * The two SQL results stores behind one test interface, so the sink suite runs the same assertions
 * against SQLite and a real PostgreSQL server (test/support/services.ts finds it).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { RunRecord } from '../../../../plan/record-types.ts';
import { connectPostgres, openPostgresResults } from '../../../../runtime/sinks/postgres-schema.ts';
import { PostgresSink } from '../../../../runtime/sinks/postgres-sink.ts';
import { postgresReader, sqliteReader, type SqlParams, type SqlReader } from '../../../../runtime/sinks/sql-reader.ts';
import { openResultsDatabase } from '../../../../runtime/sinks/sqlite-schema.ts';
import { SqliteSink } from '../../../../runtime/sinks/sqlite-sink.ts';
import { findPostgres, freshPostgresDatabase } from '../../../support/services.ts';

/** A sink of either store, as the tests drive it. */
export interface SinkUnderTest {
  insertRecord(r: RunRecord): Promise<number>;
  write(r: RunRecord): Promise<void>;
  close(): Promise<void>;
}

/** A read-write connection for the test's own queries. */
export interface TestConnection extends SqlReader {
  exec(sql: string, params?: SqlParams): Promise<void>;
}

export interface StoreUnderTest {
  readonly name: 'sqlite' | 'postgres';
  /** A location (file path or URL) where nothing exists yet. */
  fresh(): Promise<string>;
  open(location: string): Promise<SinkUnderTest>;
  /** Create the schema only up to `version` (an older m4's database). */
  openAt(location: string, version: number): Promise<void>;
  connect(location: string): Promise<TestConnection>;
  /** The m4 tables present, sorted. */
  tables(c: TestConnection): Promise<string[]>;
  /** Make the next INSERT into `charts` fail with `message` (the last table of a record), or stop that. */
  breakCharts(c: TestConnection, message: string | null): Promise<void>;
  /** Errors of a CHECK and a UNIQUE constraint, as the store words them. */
  readonly checkError: RegExp;
  readonly uniqueError: RegExp;
  /** Called once after the suite. */
  cleanup(): Promise<void>;
}

export function sqliteStore(): StoreUnderTest {
  const tmp = mkdtempSync(join(tmpdir(), 'm4-sink-store-'));
  let n = 0;
  return {
    name: 'sqlite',
    fresh: async () => join(tmp, `db-${++n}`, 'nested', 'results.db'),
    async open(path) {
      const s = SqliteSink.open(path);
      return { insertRecord: async (r) => s.insertRecord(r), write: async (r) => s.write(r), close: async () => s.close() };
    },
    async openAt(path, version) {
      mkdirSync(dirname(path), { recursive: true });
      openResultsDatabase(path, { target: version }).close();
    },
    async connect(path) {
      const db = new Database(path);
      return {
        ...sqliteReader(db),
        exec: async (sql, params = []) => {
          db.prepare(sql).run(...(Array.isArray(params) ? params : [params]));
        },
      };
    },
    async tables(c) {
      return (await c.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((r) => r.name);
    },
    async breakCharts(c, message) {
      await c.exec(
        message === null ? 'DROP TRIGGER boom' : `CREATE TRIGGER boom BEFORE INSERT ON charts BEGIN SELECT RAISE(ABORT, '${message}'); END`,
      );
    },
    checkError: /CHECK constraint failed/,
    uniqueError: /UNIQUE constraint failed/,
    cleanup: async () => {},
  };
}

/** The PostgreSQL store, or null when no server is reachable (its suite is then skipped, loudly). */
export async function postgresStore(): Promise<StoreUnderTest | null> {
  const admin = await findPostgres();
  if (admin === null) return null;
  const dropped: (() => Promise<void>)[] = [];
  return {
    name: 'postgres',
    async fresh() {
      const db = await freshPostgresDatabase(admin, 'sink');
      dropped.push(db.drop);
      return db.url;
    },
    async open(url) {
      const s = await PostgresSink.open(url);
      return { insertRecord: (r) => s.insertRecord(r), write: (r) => s.write(r), close: () => s.close() };
    },
    async openAt(url, version) {
      await (await openPostgresResults(url, { target: version })).end();
    },
    async connect(url) {
      const client = await connectPostgres(url);
      const reader = postgresReader(client);
      return {
        ...reader,
        exec: async (sql, params = []) => {
          await reader.all(sql, params);
        },
      };
    },
    async tables(c) {
      return (
        await c.all<{ name: string }>(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name COLLATE "C"',
        )
      ).map((r) => r.name);
    },
    async breakCharts(c, message) {
      if (message === null) {
        await c.exec('DROP TRIGGER boom ON charts');
        return;
      }
      await c.exec(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${message}'; END $$`);
      await c.exec('CREATE TRIGGER boom BEFORE INSERT ON charts FOR EACH ROW EXECUTE FUNCTION boom()');
    },
    checkError: /violates check constraint/,
    uniqueError: /duplicate key value violates unique constraint/,
    async cleanup() {
      for (const d of dropped) await d().catch(() => {});
    },
  };
}
