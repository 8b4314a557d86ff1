/**
 * Hostile input for the checker, each a reproduction from issue 11: the compiler answers with diagnostics
 * (never a throw, never an internal error), bounded in number and in work, with usable fixes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_DIAGNOSTICS_PER_FILE } from '../../compiler/compile.ts';
import { Candidates, SUGGESTION_BUDGET } from '../../compiler/did-you-mean.ts';
import { renderHuman } from '../../compiler/diagnostics/render-human.ts';
import { diag } from '../../compiler/diagnostics/diagnostic.ts';
import { planSchemaErrors } from '../../plan/plan-schema.ts';
import { readSourceFile, SourceFileError } from '../../compiler/source-file.ts';
import { compileInline } from '../support/compiler-harness.ts';

const BASE = `input tx: f32[batch, 4]
input label: i64[batch] optional
model v1 = onnx("models/binary.onnx")
model v2 = onnx("models/mlp.onnx")
node scaled = standardize(tx, mean: 0.0, std: 1.0)
node control = column(v1(x: scaled).probabilities, index: 1)
node treat = column(v2(x: scaled).probabilities, index: 1)
compare ab {
  control: control
  treatment: treat
  label: label
  task: binary(threshold: 0.5)
  metrics: [accuracy, auroc]
  gate agreement >= 0.9
}
`;

const codes = (text: string) => compileInline(text).diagnostics.map((d) => d.code);

describe('many diagnostics', () => {
  it('~125,000 diagnostics: no stack overflow, capped per file with one "and N more"', () => {
    const c = compileInline('@\n'.repeat(125_000));
    expect(c.diagnostics).toHaveLength(MAX_DIAGNOSTICS_PER_FILE + 1);
    const last = c.diagnostics[c.diagnostics.length - 1]!;
    expect(last.code).toBe('M7002');
    expect(last.severity).toBe('error');
    expect(last.message).toBe('and 124000 more diagnostics in this file (the first 1000 are shown)');
    expect(last.span.line).toBe(MAX_DIAGNOSTICS_PER_FILE + 1);
    expect(() => renderHuman(c.diagnostics, { color: false, sources: new Map([[c.file, c.text]]) })).not.toThrow();
  });

  it('the "and N more" has the severity of the worst diagnostic it hides', () => {
    const text = Array.from({ length: 1500 }, (_, i) => `input unused${i}: f32[batch]`).join('\n');
    const c = compileInline(`${text}\noutput o = unused0\n`);
    expect(c.diagnostics.at(-1)).toMatchObject({ code: 'M7002', severity: 'warning' });
  });

  it('did-you-mean over thousands of distinct unknown names stays within its work budget', () => {
    const names = Array.from({ length: 4000 }, (_, i) => `value_${i.toString(36).padStart(4, '0')}`);
    const index = new Candidates(names);
    let found = 0;
    for (let i = 0; i < 4000; i++) if (index.best(`valeu_${i.toString(36).padStart(4, '0')}`) !== undefined) found++;
    expect(found).toBeGreaterThan(0);
    expect(index.work).toBeLessThanOrEqual(SUGGESTION_BUDGET + 20 * 20);
    // The same file through the checker: every unknown name is reported, none crashes.
    const decls = names
      .slice(0, 2000)
      .map((n) => `input ${n}: f32[batch]`)
      .join('\n');
    const uses = names
      .slice(0, 2000)
      .map((n, i) => `output o${i} = ${n.replace('value', 'valeu')}`)
      .join('\n');
    const c = compileInline(`${decls}\n${uses}\n`);
    // 2,000 unused inputs come first and fill the cap; the 2,000 unknown names it hides are errors.
    expect(c.diagnostics.at(-1)).toMatchObject({ code: 'M7002', severity: 'error' });
  });
});

describe('unknown callees and model arguments', () => {
  it('`colum(...)` is an unknown op, and its literal arguments are not type errors', () => {
    const c = codes(BASE.replace('node treat = column(', 'node treat = colum('));
    expect(c).toContain('M1004');
    expect(c).not.toContain('M3009');
  });

  it('`v1(features: scaled)` on a model whose one input is `x` suggests the rename', () => {
    const c = compileInline(BASE.replace('v1(x: scaled)', 'v1(features: scaled)'));
    const d = c.diagnostics.find((x) => x.code === 'M2003')!;
    expect(d.suggestion).toMatchObject({ replacement: 'x', title: 'replace with `x`' });
    expect(c.text.slice(d.suggestion!.span.start, d.suggestion!.span.end)).toBe('features');
    expect(d.help).toBe("the model's input is `x`: rename `features` to `x`");
  });
});

describe('nesting', () => {
  it('150 unclosed `[` inside `metrics: [` give the nesting diagnostic, not a stack overflow', () => {
    const c = codes(BASE.replace('metrics: [', `metrics: [${'['.repeat(150)}`));
    expect(c).toContain('M0007');
    expect(c).not.toContain('M7001');
  });

  it('unclosed calls and long `.member` chains likewise', () => {
    for (const text of [`output o = ${'f('.repeat(150)}`, `input x: f32[batch]\noutput o = x${'.a'.repeat(5000)}\n`]) {
      const c = codes(text);
      expect(c).toContain('M0007');
      expect(c).not.toContain('M7001');
    }
  });
});

describe('numbers', () => {
  it('a confidence that rounds to 0 or 1 is refused, so a clean check always lowers to a valid plan', () => {
    for (const at of ['5e-324', '1e-322', '99.999999999999999999']) {
      const c = compileInline(BASE.replace('gate agreement >= 0.9', `gate agreement >= 0.9 at ${at}%`));
      expect(
        c.diagnostics.map((d) => d.code),
        at,
      ).toContain('M6011');
    }
    const ok = compileInline(BASE.replace('gate agreement >= 0.9', 'gate agreement >= 0.9 at 1e-300%'));
    expect(ok.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(planSchemaErrors(JSON.parse(JSON.stringify(ok.plan)))).toEqual([]);
  });

  it('a literal beyond f64 is an error with a caret at it', () => {
    const text = BASE.replace('gate agreement >= 0.9', 'gate agreement >= 1e400');
    const c = compileInline(text);
    const d = c.diagnostics.find((x) => x.code === 'M0008')!;
    expect(text.slice(d.span.start, d.span.end)).toBe('1e400');
    expect(renderHuman([d], { color: false, sources: new Map([[c.file, text]]) })).toContain('^^^^^');
    expect(codes('input x: f32[batch]\noutput o = clip(x, min: -1e999, max: 1)\n')).toContain('M0008');
  });
});

describe('cycles', () => {
  const cycle = (n: number) =>
    ['input x: f32[batch]', ...Array.from({ length: n }, (_, i) => `node n${i} = add(x, n${(i + 1) % n})`), 'output o = n0', ''].join('\n');

  it('a 2,200-node cycle is reported with its path, elided in the middle', () => {
    const c = compileInline(cycle(2200));
    expect(c.diagnostics.map((d) => d.code)).not.toContain('M7001');
    const d = c.diagnostics.find((x) => x.code === 'M5001')!;
    expect(d.message).toBe(
      'these declarations form a cycle: `n0` → `n2199` → `n2198` → `n2197` → `n2196` → `n2195` → … 2189 more … → `n5` → `n4` → `n3` → `n2` → `n1` → `n0`',
    );
    expect(d.related!.length).toBeLessThanOrEqual(20);
  });

  it('a 20,000-node cycle compiles and renders', () => {
    const c = compileInline(cycle(20_000));
    expect(c.diagnostics.map((d) => d.code)).toContain('M5001');
    expect(c.diagnostics.map((d) => d.code)).not.toContain('M7001');
    expect(renderHuman(c.diagnostics, { color: false, sources: new Map([[c.file, c.text]]) })).toContain('more …');
  });

  it('the renderer takes a diagnostic with 150,000 related locations', () => {
    const span = { file: 'a.m4', start: 0, end: 1, line: 1, column: 1, endLine: 1, endColumn: 2 };
    const d = diag('M5001', span, { cycle: '`a` → `a`' }, { related: Array.from({ length: 150_000 }, () => ({ span, message: 'here' })) });
    expect(() => renderHuman([d], { color: false, sources: new Map([['a.m4', 'a\n']]) })).not.toThrow();
  });
});

describe('line endings', () => {
  it('lone CR line endings: the caret snippet shows the right line', () => {
    const text = BASE.replace('node scaled = standardize(', 'node scaled = standardise(').replace(/\n/g, '\r');
    const c = compileInline(text);
    const d = c.diagnostics.find((x) => x.code === 'M1004')!;
    expect(d.span.line).toBe(5);
    const out = renderHuman([d], { color: false, sources: new Map([[c.file, text]]) });
    expect(out).toContain('5 | node scaled = standardise(tx, mean: 0.0, std: 1.0)\n');
    expect(out).toContain('  |               ^^^^^^^^^^^');
  });
});

describe('source files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'm4-hostile-'));

  it('binary garbage is "not a text file"', () => {
    const f = join(dir, 'garbage.m4');
    writeFileSync(f, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    expect(() => readSourceFile(f)).toThrow(new SourceFileError(`${f} is not a text file (a .m4 file is UTF-8 text)`, 'ENOTTEXT'));
    const latin1 = join(dir, 'latin1.m4');
    writeFileSync(latin1, Buffer.from('input caf\xe9: f32[batch]\n', 'latin1'));
    expect(() => readSourceFile(latin1)).toThrow(/not a text file/);
  });

  it('devices and directories are refused without reading them; size is capped', () => {
    expect(() => readSourceFile('/dev/zero')).toThrow('/dev/zero is not a regular file');
    expect(() => readSourceFile(dir)).toThrow(`${dir} is a directory, not a .m4 file`);
    const big = join(dir, 'big.m4');
    writeFileSync(big, 'x'.repeat(2048));
    expect(() => readSourceFile(big, 1024)).toThrow(/larger than/);
    expect(readSourceFile(big, 4096)).toHaveLength(2048);
  });
});
