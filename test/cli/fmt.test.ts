/**
 * `m4c fmt` through the real binary: print, --check, --write, stdin, refusals.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runM4c } from '../support/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-fmt-'));
const MESSY = 'input  x:f32[batch,4]\nnode s=sigmoid( x ) // keep me\noutput o=s\n';
const TIDY = 'input x: f32[batch, 4]\nnode s = sigmoid(x) // keep me\noutput o = s\n';

function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe('m4c fmt', () => {
  it('prints the formatted file to stdout and leaves the file alone', () => {
    const f = file('print.m4', MESSY);
    const r = runM4c(['fmt', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(TIDY);
    expect(readFileSync(f, 'utf8')).toBe(MESSY);
  });

  it('--check lists the files that would change and exits 1; 0 when all are formatted', () => {
    const messy = file('check-messy.m4', MESSY);
    const tidy = file('check-tidy.m4', TIDY);
    const r = runM4c(['fmt', '--check', messy, tidy]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${messy}\n`);
    expect(r.stderr).toContain('1 file not formatted');
    expect(readFileSync(messy, 'utf8')).toBe(MESSY);
    expect(runM4c(['fmt', '--check', tidy]).code).toBe(0);
  });

  it('--write rewrites the files that change, in place, listing them', () => {
    const messy = file('write-messy.m4', MESSY);
    const tidy = file('write-tidy.m4', TIDY);
    const r = runM4c(['fmt', '--write', messy, tidy]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${messy}\n`);
    expect(readFileSync(messy, 'utf8')).toBe(TIDY);
    expect(runM4c(['fmt', '--check', messy]).code).toBe(0);
  });

  it('refuses a file with syntax errors: exit 2, its diagnostics, the file untouched, the others still formatted', () => {
    const bad = file('bad.m4', 'node a = sigmoid(x\n');
    const good = file('good-with-bad.m4', MESSY);
    const r = runM4c(['fmt', '--write', bad, good]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[M0');
    expect(r.stderr).toContain(`${bad} was not formatted: fix its syntax errors first`);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(readFileSync(bad, 'utf8')).toBe('node a = sigmoid(x\n');
    expect(readFileSync(good, 'utf8')).toBe(TIDY);
  });

  it('reads stdin for -', () => {
    const r = runM4c(['fmt', '-'], { input: MESSY });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(TIDY);
  });

  it('reports a missing file in one line (exit 2) and rejects --check with --write', () => {
    const missing = runM4c(['fmt', join(tmp, 'nope.m4')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect(hasStackTrace(missing.stderr)).toBe(false);
    const both = runM4c(['fmt', '--check', '--write', join(tmp, 'x.m4')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either --check or --write');
  });
});
