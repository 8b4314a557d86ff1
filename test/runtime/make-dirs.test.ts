/**
 * makeDirs: `mkdir -p` that returns on every path. Node 20's recursive mkdirSync never returns under /proc (it
 * retries a component procfs refuses with ENOENT), which made `m4c run --db /proc/nope/x.db` hang silently.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs } from '../../runtime/make-dirs.ts';
import { hasStackTrace, runM4c } from '../support/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-make-dirs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('makeDirs', () => {
  it('makes every missing directory, and is a no-op on one that exists', () => {
    const deep = join(tmp, 'a', 'b', 'c');
    makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirs(deep);
    makeDirs(tmp);
    expect(statSync(deep).isDirectory()).toBe(true);
  });

  it('throws the file system error where a component is a file', () => {
    const file = join(tmp, 'file');
    writeFileSync(file, 'x');
    expect(() => makeDirs(join(file, 'sub'))).toThrow(/ENOTDIR|EEXIST/);
  });

  it.runIf(existsSync('/proc/self'))('throws ENOENT under /proc instead of looping (in a child, bounded by a timeout)', () => {
    // In a child process: were it to loop, the test's timeout would not stop a synchronous loop in this one.
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${join(import.meta.dirname, '../../runtime/make-dirs.ts')}').then((m) => { try { m.makeDirs('/proc/m4-nope/x'); console.log('made'); } catch (e) { console.log(e.code); } })`,
      ],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.stdout.trim()).toBe('ENOENT');
  });
});

describe('m4c run --db under /proc', () => {
  it.runIf(existsSync('/proc/self'))('exits 3 with one line naming the path, instead of hanging', () => {
    const r = runM4c(['run', 'examples/fraud/ab.m4', '--db', '/proc/m4-nope/x.db', '--quiet'], { timeout: 120_000 });
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^m4c: cannot write results to \/proc\/m4-nope\/x\.db: .*ENOENT/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
