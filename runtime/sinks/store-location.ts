/**
 * Where results live, from a `--db` value or a `sink` declaration: a SQLite file path or a PostgreSQL
 * URL. A value with any other URL scheme is refused — `--db mysql://h/db` must not quietly create an
 * SQLite file named `mysql:` in the working directory.
 */
import { SinkError } from './sink.ts';

/** A results store: an SQLite file, or a PostgreSQL database by connection URL. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

const POSTGRES_SCHEMES = new Set(['postgres', 'postgresql']);

/** `scheme` of `scheme://...`, lower-cased, or null for a plain path. */
function urlScheme(value: string): string | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  return m === null ? null : m[1]!.toLowerCase();
}

/** True when the value names a PostgreSQL database. */
export function isPostgresUrl(value: string): boolean {
  const scheme = urlScheme(value);
  return scheme !== null && POSTGRES_SCHEMES.has(scheme);
}

/**
 * The store a `--db` value names. Throws SinkError for a URL scheme m4 does not know (the CLI shows it
 * as one line).
 */
export function parseStoreLocation(value: string): StoreLocation {
  const scheme = urlScheme(value);
  if (scheme === null) return { kind: 'sqlite', path: value };
  if (POSTGRES_SCHEMES.has(scheme)) return { kind: 'postgres', url: value };
  throw new SinkError(
    redactUrl(value),
    `unknown database URL scheme "${scheme}://": give an SQLite file path or a postgres://USER@HOST:PORT/DATABASE URL`,
  );
}

/** The URL without its password, for messages and the dashboard's header. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    // Not parseable as a URL: show only the scheme, the rest may hold a password.
    const scheme = urlScheme(url);
    return scheme === null ? url : `${scheme}://…`;
  }
}

/**
 * The URL of `postgres(env: "NAME")`: read when the sink opens, on the machine that writes, so the
 * password never enters a file. Throws SinkError when the variable is unset or empty.
 */
export function urlFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (v === undefined || v.trim() === '')
    throw new SinkError(
      `postgres(env: "${name}")`,
      `the environment variable ${name} is not set: set it to a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL`,
    );
  if (!isPostgresUrl(v)) throw new SinkError(`postgres(env: "${name}")`, `${name} does not hold a postgres:// URL`);
  return v;
}
