/**
 * The formatter (compiler/format.ts): layout rules, comments kept, syntax errors refused, idempotent over
 * every example, and meaning preserved (same plan_hash).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { formatSource, type FormatResult } from '../../compiler/format.ts';
import { compileInline } from '../support/compiler-harness.ts';
import { ROOT } from '../support/run-cli.ts';

function fmt(text: string): string {
  const r = formatSource(text, 'test.m4');
  if (!r.ok) throw new Error(`refused: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return r.text;
}

/** Formatting the output again changes nothing. */
function expectFixedPoint(out: string): void {
  expect(fmt(out)).toBe(out);
}

function examples(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.m4')) out.push(p);
    }
  };
  walk(join(ROOT, 'examples'));
  return out.sort();
}

describe('formatSource: layout', () => {
  it('normalises spacing, one declaration per line, one item per line in compare blocks', () => {
    const src =
      'input x : f32 [ batch,4 ]   optional\nmodel v1=onnx( "models/binary.onnx" )\nnode s=standardize( x ,mean:0.0,std : 1.0 )\n' +
      'compare ab { control: s, treatment: s; task: regression gate mae.delta<=0.1 at 95 % sink sqlite( "r.db" ) }\noutput o=s';
    expect(fmt(src)).toBe(
      [
        'input x: f32[batch, 4] optional',
        'model v1 = onnx("models/binary.onnx")',
        'node s = standardize(x, mean: 0.0, std: 1.0)',
        'compare ab {',
        '  control:   s',
        '  treatment: s',
        '  task:      regression',
        '  gate mae.delta <= 0.1 at 95%',
        '  sink sqlite("r.db")',
        '}',
        'output o = s',
        '',
      ].join('\n'),
    );
  });

  it('aligns = and input types in runs of one kind; a blank line ends a run', () => {
    const out = fmt(
      'input x: f32[batch, 4]\ninput labels: i64[batch]\nnode a = sigmoid(x)\nnode longer = sigmoid(a)\n\nnode b = sigmoid(a)\noutput o = b\n',
    );
    expect(out).toBe(
      [
        'input x:      f32[batch, 4]',
        'input labels: i64[batch]',
        'node a      = sigmoid(x)',
        'node longer = sigmoid(a)',
        '',
        'node b = sigmoid(a)',
        'output o = b',
        '',
      ].join('\n'),
    );
  });

  it('keeps literals exactly as written (number text, string escapes, quoted names)', () => {
    const out = fmt('node a = clip(x, min: -1e-3, max: 6.)\nnode b = f(`onnx::Flatten_0`: a).`39`\nmodel m = onnx("a\\u0041\\\\b.onnx")\n');
    expect(out).toContain('clip(x, min: -1e-3, max: 6.)');
    expect(out).toContain('f(`onnx::Flatten_0`: a).`39`');
    expect(out).toContain('onnx("a\\u0041\\\\b.onnx")');
  });

  it('breaks a call that does not fit in 120 columns, one argument per line', () => {
    const long = Array.from({ length: 6 }, (_, i) => `feature_number_${i}_with_a_long_name`);
    const out = fmt(`node all = concat(${long.join(', ')})\n`);
    expect(out).toBe(`node all = concat(\n${long.map((n) => `  ${n}`).join(',\n')}\n)\n`);
    expect(out.split('\n').every((l) => l.length <= 120)).toBe(true);
    expectFixedPoint(out);
  });

  it('keeps at most one blank line and none at the start or end', () => {
    expect(fmt('\n\n\ninput x: f32[b]\n\n\n\noutput o = x\n\n\n')).toBe('input x: f32[b]\n\noutput o = x\n');
    expect(fmt('compare c {\n\n  control: a\n\n\n  treatment: b\n\n}\n')).toBe('compare c {\n  control: a\n\n  treatment: b\n}\n');
  });

  it('formats an empty file and a file of comments', () => {
    expect(fmt('')).toBe('');
    expect(fmt('  \n\n')).toBe('');
    expect(fmt('// only a comment   \n\n\n/* and a block */')).toBe('// only a comment\n\n/* and a block */\n');
  });

  it('reads CRLF line ends and writes LF', () => {
    expect(fmt('input x: f32[b]\r\n\r\n\r\noutput o = x // why\r\n')).toBe('input x: f32[b]\n\noutput o = x // why\n');
  });
});

describe('formatSource: comments stay where they were', () => {
  it('keeps leading, trailing and block comments next to their declarations, aligning trailing ones', () => {
    const src =
      '// header\n\n/* block\n   comment */\ninput x: f32[batch, 4] // the features\ninput label: i64[batch] optional   // labels\nnode s = sigmoid(x)\n';
    expect(fmt(src)).toBe(
      [
        '// header',
        '',
        '/* block',
        '   comment */',
        'input x:     f32[batch, 4]       // the features',
        'input label: i64[batch] optional // labels',
        'node s = sigmoid(x)',
        '',
      ].join('\n'),
    );
  });

  it('keeps comments inside lists and calls with their element, breaking the list', () => {
    const src =
      'compare ab {\n  control: a // production\n  metrics: [accuracy, // the main one\n    auroc /* ranking */, recall\n    // more later\n  ]\n  // the gates\n  gate auroc.delta >= 0 // must not drop\n}\n';
    const out = fmt(src);
    expect(out).toBe(
      [
        'compare ab {',
        '  control: a // production',
        '  metrics: [',
        '    accuracy, // the main one',
        '    auroc /* ranking */,',
        '    recall',
        '    // more later',
        '  ]',
        '  // the gates',
        '  gate auroc.delta >= 0 // must not drop',
        '}',
        '',
      ].join('\n'),
    );
    expectFixedPoint(out);
  });

  it('keeps a comment after the opening brace on its line, and comments before the closing brace', () => {
    const out = fmt('compare ab { // the A/B\n  control: a\n  // nothing else yet\n}\n');
    expect(out).toBe('compare ab { // the A/B\n  control: a\n  // nothing else yet\n}\n');
  });

  it('moves a comment from inside a declaration in front of it rather than dropping it', () => {
    const out = fmt('node /* why */ a = sigmoid(x)\ncompare c /* odd */ {\n  gate auroc /* here */ .delta >= 0\n}\n');
    expect(out).toBe('/* why */\nnode a = sigmoid(x)\n/* odd */\ncompare c {\n  /* here */\n  gate auroc.delta >= 0\n}\n');
    expectFixedPoint(out);
  });

  it('keeps inline block comments inline', () => {
    const out = fmt('node a = clip(/* input */ x, min: 0.0 /* floor */, max: 1.0)\n');
    expect(out).toBe('node a = clip(/* input */ x, min: 0.0 /* floor */, max: 1.0)\n');
  });
});

describe('formatSource: refusals', () => {
  it('refuses a file with syntax errors, returning the diagnostics', () => {
    for (const bad of ['node a = f(', 'input x f32[b]', 'node a = sigmoid(x) }', 'input x: f32[b]\n"unterminated', '/* open comment']) {
      const r: FormatResult = formatSource(bad, 'bad.m4');
      expect(r.ok, bad).toBe(false);
      if (!r.ok)
        expect(
          r.diagnostics.every((d) => d.code.startsWith('M0')),
          bad,
        ).toBe(true);
    }
  });

  it('formats a file with semantic errors (formatting needs syntax only)', () => {
    expect(formatSource('node a = nosuchop(y)\n', 't.m4').ok).toBe(true);
  });
});

describe('formatSource over the examples', () => {
  const files = examples();

  it('finds the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  for (const file of files) {
    const name = relative(ROOT, file);
    it(`${name}: idempotent, every comment kept, same plan_hash`, () => {
      const text = readFileSync(file, 'utf8');
      const out = fmt(text);
      expectFixedPoint(out);
      const comments = (t: string) =>
        compileInline(t)
          .program.comments.map((c) => c.text.trimEnd())
          .sort();
      expect(comments(out)).toEqual(comments(text));
      const before = compileSource(text, file);
      const after = compileSource(out, file);
      expect(before.plan?.plan_hash).toMatch(/^[0-9a-f]{16,}/);
      expect(after.plan?.plan_hash).toBe(before.plan?.plan_hash);
    });
  }

  it('keeps the plan_hash of a graph whose expressions break over several lines', () => {
    const long =
      'node all = concat(standardize(x, mean: 0.0, std: 1.0), clip(x, min: -3.0, max: 3.0), sigmoid(x), standardize(x, mean: 1.0, std: 2.0))';
    const text = `input x: f32[batch, 4]\n${long}\noutput o = all\n`;
    const out = fmt(text);
    expect(out.split('\n').length).toBeGreaterThan(4);
    expect(compileInline(out).plan?.plan_hash).toBe(compileInline(text).plan?.plan_hash);
  });
});
