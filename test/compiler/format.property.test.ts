/**
 * Property tests of the formatter over generated files: random declarations written with random spacing,
 * line breaks and comments between any two tokens. For every one: the formatter accepts it (it parses),
 * the output parses to the same declarations with the same comments (formatSource checks that itself and
 * would refuse otherwise), and formatting the output again changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSource } from '../../compiler/format.ts';
import { parse } from '../../grammar/parse.ts';

const NAMES = [
  'x',
  'a',
  'b2',
  'score',
  'feat_1',
  'control',
  'label',
  'f32',
  'a_rather_long_name_for_a_node_to_force_breaks',
  '`onnx::Flatten_0`',
  '`39`',
];
const name = fc.constantFrom(...NAMES);
const number = fc.constantFrom('0', '1', '-0.005', '1e-3', '+2.5', '30', '.5');
const string = fc.constantFrom('"a.onnx"', '"models/x.onnx"', '"with \\"escapes\\" \\u0041"', '""');

type Tokens = string[];

const expr: fc.Arbitrary<Tokens> = fc.letrec<{ expr: Tokens; arg: Tokens }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    name.map((n) => [n]),
    number.map((n) => [n]),
    string.map((s) => [s]),
    fc.constantFrom('true', 'false').map((b): Tokens => [b]),
    fc.array(tie('expr'), { maxLength: 4 }).map((items) => ['[', ...items.flatMap((it, i) => (i > 0 ? [',', ...it] : it)), ']']),
    fc
      .tuple(name, fc.array(tie('arg'), { maxLength: 4 }))
      .map(([callee, args]) => [callee, '(', ...args.flatMap((a, i) => (i > 0 ? [',', ...a] : a)), ')']),
    fc
      .tuple(name, fc.array(tie('arg'), { maxLength: 2 }), name)
      .map(([callee, args, member]) => [callee, '(', ...args.flatMap((a, i) => (i > 0 ? [',', ...a] : a)), ')', '.', member]),
  ),
  arg: fc.oneof(
    tie('expr'),
    fc.tuple(fc.constantFrom('index', 'x', 'at', '`in put`'), tie('expr')).map(([k, v]) => [k, ':', ...v]),
  ),
})).expr;

const dims = fc.array(fc.constantFrom('batch', '4', '?', 'n'), { minLength: 1, maxLength: 3 });
const input: fc.Arbitrary<Tokens> = fc
  .tuple(name, fc.constantFrom('f32', 'i64', 'str'), dims, fc.boolean(), fc.constantFrom(0, 1, 2))
  .map(([n, dt, ds, opt, from]) => [
    'input',
    n,
    ':',
    dt,
    '[',
    ...ds.flatMap((d, i) => (i > 0 ? [',', d] : [d])),
    ']',
    ...(opt ? ['optional'] : []),
    ...(from === 1 ? ['from', '"meta.f"'] : from === 2 ? ['from', '[', '"a"', ',', '"b"', ']'] : []),
  ]);
const model: fc.Arbitrary<Tokens> = fc.tuple(name, string).map(([n, p]) => ['model', n, '=', 'onnx', '(', p, ')']);
const node: fc.Arbitrary<Tokens> = fc.tuple(fc.constantFrom('node', 'output'), name, expr).map(([k, n, e]) => [k, n, '=', ...e]);
const replay: fc.Arbitrary<Tokens> = string.map((s) => ['replay', s]);
const item: fc.Arbitrary<Tokens> = fc.oneof(
  fc.tuple(fc.constantFrom('control', 'treatment', 'task', 'metrics', 'seed'), expr).map(([k, v]) => [k, ':', ...v]),
  fc
    .tuple(
      fc.constantFrom('auroc', 'auroc . delta', 'treatment . recall').map((p): Tokens => p.split(' ')),
      fc.constantFrom('>=', '<', '<=', '>'),
      number,
      fc.boolean(),
    )
    .map(([path, op, bound, at]) => ['gate', ...path, op, bound, ...(at ? ['at', '95', '%'] : [])]),
  fc.tuple(fc.constantFrom('sqlite', 'jsonl'), string).map(([k, p]) => ['sink', k, '(', p, ')']),
);
const compare: fc.Arbitrary<Tokens> = fc
  .tuple(name, fc.array(fc.tuple(item, fc.constantFrom('', ',', ';')), { maxLength: 5 }))
  .map(([n, items]) => ['compare', n, '{', ...items.flatMap(([it, sep]) => (sep ? [...it, sep] : it)), '}']);
const decl = fc.oneof(input, model, node, replay, compare);

/** What goes between two tokens: always some whitespace or a comment, so tokens never merge. */
const separator = fc.constantFrom(
  ' ',
  ' ',
  ' ',
  '\n',
  '  ',
  '\n\n',
  '\n\n\n  ',
  '\t',
  ' /* c */ ',
  '/* two\n lines */',
  ' // line\n',
  '\n// own line\n',
  '\r\n',
);

const file: fc.Arbitrary<string> = fc.array(decl, { minLength: 1, maxLength: 6 }).chain((decls) => {
  const tokens = decls.flat();
  return fc
    .array(separator, { minLength: tokens.length + 1, maxLength: tokens.length + 1 })
    .map((seps) => seps[0]! + tokens.map((t, i) => t + seps[i + 1]!).join(''));
});

describe('formatSource (property)', () => {
  it('accepts, keeps the meaning and comments of, and is idempotent on generated files', () => {
    fc.assert(
      fc.property(file, (text) => {
        expect(parse(text, 'gen.m4').problems).toEqual([]);
        const r = formatSource(text, 'gen.m4');
        if (!r.ok) throw new Error(`refused: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
        const again = formatSource(r.text, 'gen.m4');
        expect(again.ok && again.text).toBe(r.text);
        expect(r.text.endsWith('\n') || r.text === '').toBe(true);
        expect(r.text).not.toMatch(/[ \t]+\n/); // no trailing spaces
        expect(r.text).not.toMatch(/\n\n\n/); // at most one blank line
      }),
      { numRuns: 300 },
    );
  });

  it('never throws and never accepts a file that does not parse', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = formatSource(text, 'junk.m4');
        if (parse(text, 'junk.m4').problems.length > 0) expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
