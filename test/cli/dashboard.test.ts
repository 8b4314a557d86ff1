/**
 * `m4c dashboard` as a user runs it: the real binary in a child process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureDb } from '../dashboard/support/fixture-db.ts';
import { standardRuns } from '../dashboard/support/fixture-runs.ts';
import { hasStackTrace, M4C, runM4c } from '../support/run-cli.ts';

let dir: string;
let dbPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-cli-dash-'));
  dbPath = join(dir, 'ab.db');
  writeFixtureDb(dbPath, standardRuns().slice(0, 2));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('m4c dashboard', () => {
  it('serves the database until Ctrl-C, then exits 0', async () => {
    const child = spawn(process.execPath, [M4C, 'dashboard', '--db', dbPath, '--port', '0'], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /m4 dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`exited ${code} before serving: ${stderr}`)));
    });
    expect(stdout).toContain(`(results: ${dbPath}, read-only; Ctrl-C to stop)`);
    const status = (await (await fetch(`${url}api/status`)).json()) as { runs: number };
    expect(status.runs).toBe(2);
    const post = await fetch(`${url}api/runs`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });

  it('refuses a missing or foreign database in one line, exit 2', () => {
    const missing = runM4c(['dashboard', '--db', join(dir, 'nope.db'), '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`m4c: no results database at ${join(dir, 'nope.db')}\n`);
    writeFileSync(join(dir, 'notes.txt'), 'not a database');
    const foreign = runM4c(['dashboard', '--db', join(dir, 'notes.txt'), '--port', '0']);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toBe(`m4c: ${join(dir, 'notes.txt')} is not an SQLite database\n`);
    expect(hasStackTrace(missing.stderr + foreign.stderr)).toBe(false);
  });

  it('without --db, asks for one when ./results/ holds no single database', () => {
    const r = runM4c(['dashboard', '--port', '0'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('m4c: no results database in ./results/: give one with --db PATH\n');
  });
});
