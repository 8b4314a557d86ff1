/**
 * Property: whatever the text — random characters, token soup, mutations of valid files, deep nesting —
 * the parser and every checking pass return diagnostics and never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { fixtureBaseDir } from '../support/compiler-harness.ts';

const VALID = `// a valid file
input tx: f32[batch, 4]
input label: i64[batch] optional
input region: str[batch] from "meta.region"
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
  metrics: [accuracy, auroc, agreement]
  slice_by: region
  gate auroc.delta >= -0.01 at 95%
  gate agreement >= 0.9
  sink sqlite("results/ab.db")
}
output score = control
`;

const TOKENS = [
  'input',
  'model',
  'node',
  'compare',
  'output',
  'optional',
  'from',
  'gate',
  'at',
  'sink',
  'true',
  'false',
  'x',
  'tx',
  'v1',
  'scaled',
  'f32',
  'i64',
  'batch',
  '`onnx::x`',
  '"s"',
  '"models/binary.onnx"',
  '0.5',
  '-1',
  '30',
  '=',
  ':',
  ',',
  '.',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '?',
  '%',
  '>=',
  '<',
  ';',
  '\n',
  ' ',
  '//c\n',
  '/*c*/',
  '$',
  '"',
  'onnx',
  'standardize',
  'column',
  'concat',
  'control',
  'treatment',
  'label',
  'task',
  'binary',
  'metrics',
];

function compileQuietly(text: string): void {
  const c = compileSource(text, 'prop.m4', { baseDir: fixtureBaseDir() });
  expect(Array.isArray(c.diagnostics)).toBe(true);
  for (const d of c.diagnostics) {
    expect(typeof d.code).toBe('string');
    expect(d.span.start).toBeGreaterThanOrEqual(0);
  }
}

describe('the compiler never throws', () => {
  it('compiles the valid base file without errors', () => {
    const c = compileSource(VALID, 'prop.m4', { baseDir: fixtureBaseDir() });
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(c.plan).toBeDefined();
  });

  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => compileQuietly(s)),
      { numRuns: 1500 },
    );
  });

  it('on arbitrary unicode and binary-looking text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => compileQuietly(Buffer.from(bytes).toString('latin1'))),
      { numRuns: 500 },
    );
  });

  it('on token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), (toks) => compileQuietly(toks.join(' '))),
      { numRuns: 1500 },
    );
  });

  it('on mutations of a valid file (deletions, insertions, truncations)', () => {
    const mutation = fc.record({
      at: fc.nat({ max: VALID.length }),
      del: fc.nat({ max: 20 }),
      insert: fc.constantFrom('', ...TOKENS),
      truncate: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        let s = VALID;
        for (const m of ms) {
          const at = Math.min(m.at, s.length);
          s = m.truncate ? s.slice(0, at) : s.slice(0, at) + m.insert + s.slice(at + m.del);
        }
        compileQuietly(s);
      }),
      { numRuns: 1500 },
    );
  });

  it('on deep nesting and huge inputs', () => {
    compileQuietly(`output o = ${'sigmoid('.repeat(5000)}x${')'.repeat(5000)}`);
    compileQuietly(`output o = ${'['.repeat(5000)}`);
    compileQuietly('node a = f('.repeat(2000));
    compileQuietly('}'.repeat(10000));
    compileQuietly('x'.repeat(1_000_000));
    compileQuietly(Array.from({ length: 20000 }, (_, i) => `garbage ${i} $$ "`).join('\n'));
  });

  it('reports every error of a file, not only the first', () => {
    const c = compileSource('input x: f33[batch]\nnode a = sigmoud(x)\noutput o = b\n', 'multi.m4', { baseDir: fixtureBaseDir() });
    expect(c.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['M3001', 'M1004', 'M1001']));
  });
});
