/**
 * `m4c check`, `m4c compile`, `m4c graph` end to end, through the real binary.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSchemaErrors } from '../../plan/plan-schema.ts';
import { hasStackTrace, runM4c } from '../support/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-cli-'));

describe('m4c check', () => {
  it('passes the examples (exit 0)', () => {
    const r = runM4c(['check', 'examples/fraud/ab.m4', 'examples/ensemble/graph.m4']);
    expect(r.stderr).toContain('0 errors');
    expect(r.code).toBe(0);
  });

  it('reports every error with file:line:col, carets and help, exit 1', () => {
    const f = join(tmp, 'bad.m4');
    writeFileSync(
      f,
      'input tx: f32[batch, 30]\nnode scaled = standardize(tx, mean: 0.0, std: 1.0)\nnode a = sigmoid(sacled)\nnode b = sigmoud(scaled)\noutput o = concat(a, b)\n',
    );
    const r = runM4c(['check', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[M1001]: unknown name `sacled`');
    expect(r.stderr).toContain(`${f}:3:18`);
    expect(r.stderr).toMatch(/\^\^\^\^\^\^/);
    expect(r.stderr).toContain('help: did you mean `scaled`?');
    expect(r.stderr).toContain('error[M1004]');
    expect(r.stderr).not.toMatch(/\u001b\[/); // NO_COLOR
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('emits versioned JSON with --format json', () => {
    const f = join(tmp, 'bad2.m4');
    writeFileSync(f, 'input x: f32[batch]\noutput o = y\n');
    const r = runM4c(['check', '--format', 'json', f]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.format_version).toBe(1);
    expect(j.files[0]).toMatchObject({ file: f, errors: 1 });
    expect(j.diagnostics.find((d: { code: string }) => d.code === 'M1001')).toMatchObject({
      code: 'M1001',
      severity: 'error',
      span: { line: 2, column: 12 },
    });
  });

  it('never crashes on binary garbage or a directory; usage errors exit 2', () => {
    const g = join(tmp, 'garbage.m4');
    writeFileSync(g, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const r = runM4c(['check', g]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`m4c: ${g} is not a text file (a .m4 file is UTF-8 text)`);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(runM4c(['check', tmp]).code).toBe(2);
    const missing = runM4c(['check', join(tmp, 'nope.m4')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`m4c: no such file: ${join(tmp, 'nope.m4')}`);
    expect(runM4c(['check']).code).toBe(2);
    expect(runM4c(['frobnicate']).code).toBe(2);
  });

  it('--help lists the commands with examples', () => {
    const r = runM4c(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/check/);
    const c = runM4c(['check', '--help']);
    expect(c.stdout).toContain('Examples:');
  });
});

describe('m4c compile and graph', () => {
  it('writes a schema-valid plan', () => {
    const out = join(tmp, 'plan.json');
    const r = runM4c(['compile', 'examples/fraud/ab.m4', '-o', out]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(readFileSync(out, 'utf8'));
    expect(planSchemaErrors(plan)).toEqual([]);
    expect(plan.comparisons[0].name).toBe('v2_vs_v1');
  });

  it('refuses to write a plan for a file with errors (exit 1)', () => {
    const f = join(tmp, 'bad3.m4');
    writeFileSync(f, 'output o = nothing\n');
    const r = runM4c(['compile', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('draws dot and mermaid', () => {
    const dot = runM4c(['graph', 'examples/ensemble/graph.m4']);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(/^digraph m4 \{/);
    expect(dot.stdout).toContain('"chained/embed" -> "chained"');
    const mm = runM4c(['graph', 'examples/ensemble/graph.m4', '--format', 'mermaid']);
    expect(mm.stdout).toMatch(/^flowchart LR/);
    expect(runM4c(['graph', 'examples/ensemble/graph.m4', '--format', 'png']).code).toBe(2);
  });
});
