/**
 * `m4c report` as a user runs it: the real binary writing the HTML and Markdown files.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureDb } from '../dashboard/support/fixture-db.ts';
import { standardRuns } from '../dashboard/support/fixture-runs.ts';
import { hasStackTrace, runM4c } from '../support/run-cli.ts';

let dir: string;
let dbPath: string;
let ids: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-cli-report-'));
  mkdirSync(join(dir, 'results'));
  dbPath = join(dir, 'results', 'ab.db');
  ids = writeFixtureDb(dbPath, standardRuns());
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('m4c report', () => {
  it('writes the latest run as HTML and Markdown (the database found in ./results/)', () => {
    const r = runM4c(['report', 'latest', '--html', 'out/report.html', '--md', 'out/summary.md'], { cwd: dir });
    expect(r.stderr).toBe(`m4c: report of fraud_ab run ${ids.at(-1)} written to out/report.html and out/summary.md\n`);
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'out/report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('id="m4-report-data"');
    expect(html).toMatch(/Chart\.js v4/);
    const md = readFileSync(join(dir, 'out/summary.md'), 'utf8');
    expect(md).toMatch(/^### m4 comparison fraud\\_ab — run `#\d+`\n\n❌ \*\*Gates failed: 2 of 3\*\*/);
  });

  it('writes a given run, Markdown only', () => {
    const r = runM4c(['report', ids[0]!, '--db', dbPath, '--md', join(dir, 'first.md')]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'first.md'), 'utf8')).toContain(`run \`#${ids[0]}\``);
  });

  it('exits 2 with one line for an unknown run, a missing database, or nothing to write', () => {
    const unknown = runM4c(['report', '9999', '--db', dbPath, '--md', join(dir, 'x.md')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`m4c: ${dbPath} has no run "9999": run ids are the numbers the dashboard shows, or use \`latest\`\n`);
    expect(existsSync(join(dir, 'x.md'))).toBe(false);
    const missing = runM4c(['report', 'latest', '--db', join(dir, 'nope.db'), '--html', join(dir, 'x.html')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`m4c: no results database at ${join(dir, 'nope.db')}\n`);
    const nothing = runM4c(['report', 'latest', '--db', dbPath]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toBe('m4c: nothing to write: give --html FILE and/or --md FILE\n');
    expect(hasStackTrace(unknown.stderr + missing.stderr + nothing.stderr)).toBe(false);
  });

  it('exits 3 when the file cannot be written', () => {
    const r = runM4c(['report', 'latest', '--db', dbPath, '--md', join(dbPath, 'inside-a-file.md')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^m4c: cannot write .*inside-a-file\.md: /);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});
