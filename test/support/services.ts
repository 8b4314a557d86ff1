/**
 * The real PostgreSQL and Redis servers the scale tests use (no mocks): found from M4_TEST_POSTGRES_URL /
 * M4_TEST_REDIS_URL, else the default loopback ports (.ci/run starts both, see scripts/ci-services.sh).
 * When a server cannot be reached its tests are skipped with a loud message on stderr — never silently.
 *
 * Each test file gets its own database (`freshPostgresDatabase`, dropped at the end) or key prefix.
 */
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import pg from 'pg';

const DEFAULT_POSTGRES = 'postgres://m4:m4@127.0.0.1:5432/postgres';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

function loud(what: string, url: string, why: string): void {
  process.stderr.write(
    `\n!!! ${what} tests SKIPPED: no server reachable at ${url} (${why}).\n!!! Start one (.ci/run does) or set ${what === 'PostgreSQL' ? 'M4_TEST_POSTGRES_URL' : 'M4_TEST_REDIS_URL'}.\n\n`,
  );
}

/** The admin URL of the test PostgreSQL server, or null (after a loud message) when none answers. */
export async function findPostgres(): Promise<string | null> {
  const url = process.env.M4_TEST_POSTGRES_URL ?? DEFAULT_POSTGRES;
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('SELECT 1');
    return url;
  } catch (err) {
    loud('PostgreSQL', url, (err as Error).message);
    return null;
  } finally {
    await c.end().catch(() => {});
  }
}

/** The URL of the test Redis server, or null (after a loud message) when none answers PING. */
export async function findRedis(): Promise<string | null> {
  const url = process.env.M4_TEST_REDIS_URL ?? DEFAULT_REDIS;
  const u = new URL(url);
  const ok = await redisPing(u.hostname, Number(u.port || 6379));
  if (ok !== true) {
    loud('Redis', url, ok);
    return null;
  }
  return url;
}

/** PING over a raw socket: true, or why not. */
export function redisPing(host: string, port: number, timeoutMs = 3000): Promise<true | string> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, timeoutMs);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      clearTimeout(timer);
      s.destroy();
      resolve(d.toString().startsWith('+PONG') ? true : d.toString().trim());
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
  });
}

/** A new, empty database on the test server; `drop()` removes it (closing whatever still holds it). */
export async function freshPostgresDatabase(adminUrl: string, tag: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `m4_test_${tag}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** A short random key prefix for a test's BullMQ queues. */
export function freshPrefix(tag: string): string {
  return `m4test-${tag}-${randomBytes(4).toString('hex')}`;
}

/** Fresh databases for one test file, all dropped by `dropAll()` (call it in afterAll). */
export function postgresDatabases(adminUrl: string): { fresh(tag: string): Promise<string>; dropAll(): Promise<void> } {
  const drops: (() => Promise<void>)[] = [];
  return {
    async fresh(tag) {
      const db = await freshPostgresDatabase(adminUrl, tag);
      drops.push(db.drop);
      return db.url;
    },
    async dropAll() {
      for (const d of drops) await d().catch(() => {});
    },
  };
}
