/**
 * `m4c db migrate` and `m4c db copy` as a user runs them, against a real PostgreSQL server, and `--db`
 * values with a URL scheme m4 does not know refused by every command that takes one.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultsDb } from '../../dashboard/results-db.ts';
import { SCHEMA_VERSION } from '../../runtime/sinks/results-schema.ts';
import { openResultsDatabase } from '../../runtime/sinks/sqlite-schema.ts';
import { writeFixtureDb } from '../dashboard/support/fixture-db.ts';
import { standardRuns } from '../dashboard/support/fixture-runs.ts';
import { hasStackTrace, runM4c } from '../support/run-cli.ts';
import { findPostgres, postgresDatabases } from '../support/services.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-cli-db-'));
const admin = await findPostgres();
const databases = admin === null ? null : postgresDatabases(admin);
afterAll(async () => {
  await databases?.dropAll();
});
const fresh = (tag: string): Promise<string> => databases!.fresh(tag);

it('refuses a --db URL scheme it does not know, in every command, creating nothing', () => {
  const cases = [
    ['run', 'examples/fraud/ab.m4', '--db', 'mysql://u@h/db'],
    ['merge', 'x.json', '--db', 'mysql://u@h/db'],
    ['dashboard', '--db', 'mysql://u@h/db'],
    ['report', 'latest', '--md', 'x.md', '--db', 'mysql://u@h/db'],
    ['db', 'migrate', '--db', 'mysql://u@h/db'],
  ];
  for (const args of cases) {
    const r = runM4c(args, { cwd: dir });
    expect(r.code, args.join(' ')).toBe(2);
    expect(r.stderr, args.join(' ')).toMatch(
      /unknown database URL scheme "mysql:\/\/": give an SQLite file path or a postgres:\/\/USER@HOST:PORT\/DATABASE URL/,
    );
    expect(hasStackTrace(r.stderr)).toBe(false);
  }
  expect(existsSync(join(dir, 'mysql:'))).toBe(false);
});

it('migrates an older SQLite file, then has nothing to do', () => {
  const path = join(dir, 'v1.db');
  openResultsDatabase(path, { target: 1 }).close();
  const r = runM4c(['db', 'migrate', '--db', path]);
  expect(r).toMatchObject({ code: 0, stderr: `m4c db: ${path} migrated from schema version 1 to ${SCHEMA_VERSION}\n` });
  expect(runM4c(['db', 'migrate', '--db', path]).stderr).toBe(`m4c db: ${path} is at schema version ${SCHEMA_VERSION}, nothing to do\n`);
});

it.runIf(admin === null)('PostgreSQL is reachable (the db copy tests were skipped)', () => {
  expect.fail('no PostgreSQL server: set M4_TEST_POSTGRES_URL or start one (.ci/run)');
});

describe.runIf(admin !== null)('with PostgreSQL', () => {
  it('db migrate creates the schema in an empty database', async () => {
    const url = await fresh('migrate');
    const shown = url.replace(/:m4@/, ':***@');
    expect(runM4c(['db', 'migrate', '--db', url])).toMatchObject({
      code: 0,
      stderr: `m4c db: ${shown} migrated from schema version 0 to ${SCHEMA_VERSION}\n`,
    });
    expect(runM4c(['db', 'migrate', '--db', url]).stderr).toBe(`m4c db: ${shown} is at schema version ${SCHEMA_VERSION}, nothing to do\n`);
  });

  it('db copy moves an SQLite history into PostgreSQL, run for run, and a second copy adds nothing', async () => {
    const path = join(dir, 'history.db');
    const runs = standardRuns();
    writeFixtureDb(path, runs);
    const url = await fresh('copy');
    const shown = url.replace(/:m4@/, ':***@');
    const r = runM4c(['db', 'copy', '--from', path, '--to', url]);
    expect(r).toMatchObject({ code: 0, stderr: `m4c db: copied ${runs.length} runs to ${shown}\n` });
    expect(runM4c(['db', 'copy', '--from', path, '--to', url]).stderr).toBe(
      `m4c db: copied 0 runs to ${shown} (${runs.length} already there, skipped)\n`,
    );

    // What the dashboard reads from the copy is what it reads from the original.
    const [a, b] = await Promise.all([ResultsDb.open(path), ResultsDb.open(url)]);
    try {
      expect(await b.listRuns({ limit: 500 })).toEqual(await a.listRuns({ limit: 500 }));
      expect(await b.comparisons()).toEqual(await a.comparisons());
      for (const { id } of (await a.listRuns({ limit: 500 })).runs) expect(await b.getRun(id), id).toEqual(await a.getRun(id));
    } finally {
      await a.close();
      await b.close();
    }

    // And back: PostgreSQL into a new SQLite file.
    const back = join(dir, 'back.db');
    expect(runM4c(['db', 'copy', '--from', url, '--to', back])).toMatchObject({ code: 0, stderr: `m4c db: copied ${runs.length} runs to ${back}\n` });
  });

  it('db copy from a store that is not there is one line, exit 2', async () => {
    const url = await fresh('target');
    const r = runM4c(['db', 'copy', '--from', join(dir, 'nope.db'), '--to', url]);
    expect(r).toMatchObject({ code: 2, stderr: `m4c: no results database at ${join(dir, 'nope.db')}\n` });
  });
});
