/**
 * The direct parser (grammar/direct-parse.ts) is only a shortcut: whatever it parses, chevrotain parses
 * the same way without an error, so `parse` gives exactly what the chevrotain-only parse gives — the
 * program (spans and property order included) and the problems — on valid declarations, on mutations of
 * them, and on every `.m4` file of the repository.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AstBuilder } from '../../grammar/cst-to-ast.ts';
import { parseDeclarationDirectly } from '../../grammar/direct-parse.ts';
import { parse } from '../../grammar/parse.ts';
import { m4Lexer } from '../../grammar/tokens.ts';
import { repositoryM4Files } from '../support/m4-files.ts';

/** The same result both ways, down to property order (JSON) and `undefined`-valued properties. */
function expectSameBothWays(text: string): void {
  const direct = parse(text, 'gen.m4');
  const chevrotain = parse(text, 'gen.m4', { direct: false });
  expect(direct).toStrictEqual(chevrotain);
  expect(JSON.stringify(direct)).toBe(JSON.stringify(chevrotain));
}

const name = fc.oneof(
  fc.constantFrom('x', 'abc', 'n_1', 'f32', 'batch', 'control', 'probabilities'),
  fc.constantFrom('`q n`', '`onnx::Flatten_0`', '`input`', '``'),
);
const ident = fc.constantFrom('x', 'abc', 'n_1', 'f32', 'i64', 'str', 'batch', 'label');
const number = fc.constantFrom('0', '1', '-2', '1.5', '-0.005', '3e2', '.5', '+7', '1e400');
const string = fc.constantFrom('"s"', '""', '"a\\"b"', '"\\u00e9"', '"data/x.jsonl"');
const paramName = fc.oneof(ident, fc.constantFrom('at', 'from', 'optional', 'gate', 'sink', '`p q`'));
const sep = fc.constantFrom(', ', ',', ' ,\n  ', ',/* c */ ');

const { expr } = fc.letrec<{ expr: string; arg: string }>((tie) => ({
  expr: fc
    .tuple(
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        name,
        number,
        string,
        fc.constantFrom('true', 'false'),
        fc.tuple(name, fc.array(tie('arg'), { maxLength: 3 }), sep).map(([n, args, s]) => `${n}(${args.join(s)})`),
        fc.tuple(fc.array(tie('expr'), { maxLength: 3 }), sep).map(([items, s]) => `[${items.join(s)}]`),
      ),
      fc.array(name, { maxLength: 2 }),
    )
    // `0.x` lexes as the number `0.` and a name: members follow only what cannot end in a digit.
    .map(([e, members]) => (/[\d.]$/.test(e) ? e : [e, ...members].join('.'))),
  arg: fc.tuple(fc.option(paramName, { nil: undefined }), tie('expr')).map(([p, e]) => (p ? `${p}: ${e}` : e)),
}));
const dim = fc.oneof(number, ident, fc.constant('?'));
const type = fc.tuple(ident, fc.array(dim, { maxLength: 3 }), sep).map(([d, dims, s]) => `${d}[${dims.join(s)}]`);
const from = fc.oneof(
  string.map((s) => ` from ${s}`),
  fc.array(string, { maxLength: 3 }).map((ss) => ` from [${ss.join(', ')}]`),
);
const input = fc
  .tuple(name, type, fc.boolean(), fc.option(from, { nil: undefined }))
  .map(([n, t, opt, f]) => `input ${n}: ${t}${opt ? ' optional' : ''}${f ?? ''}`);
const sigField = fc.tuple(name, type).map(([n, t]) => `${n}: ${t}`);
const modelArg = fc.oneof(
  string,
  fc.tuple(ident, string).map(([k, s]) => `${k}: ${s}`),
  fc.tuple(ident, fc.array(sigField, { maxLength: 3 })).map(([k, fs]) => `${k}: {${fs.join(', ')}}`),
);
const model = fc.tuple(name, ident, fc.array(modelArg, { maxLength: 3 })).map(([n, l, args]) => `model ${n} = ${l}(${args.join(', ')})`);
const nodeOrOutput = fc.tuple(fc.constantFrom('node', 'output'), name, expr).map(([k, n, e]) => `${k} ${n} = ${e}`);
const gate = fc
  .tuple(fc.array(ident, { minLength: 1, maxLength: 3 }), fc.constantFrom('>=', '<=', '>', '<'), number, fc.option(number, { nil: undefined }))
  .map(([path, op, b, at]) => `gate ${path.join('.')} ${op} ${b}${at ? ` at ${at}%` : ''}`);
const sink = fc.tuple(ident, fc.array(expr, { maxLength: 2 })).map(([k, args]) => `sink ${k}(${args.join(', ')})`);
const field = fc.tuple(ident, expr).map(([k, e]) => `${k}: ${e}`);
const compare = fc
  .tuple(name, fc.array(fc.tuple(fc.oneof(field, gate, sink), fc.constantFrom('', ',', ';', '\n')), { maxLength: 5 }))
  .map(([n, items]) => `compare ${n} {\n${items.map(([it, s]) => `  ${it}${s}`).join('\n')}\n}`);
const replay = string.map((s) => `replay ${s}`);
const declaration = fc.oneof(input, model, nodeOrOutput, compare, replay);

/** Pieces that break a declaration, inserted at random places. */
const BREAKERS = ['(', ')', '[', ']', '{', '}', ',', ':', '=', '.', 'x', '1', '"s"', 'at', 'gate', '%', '>=', '@', '"open', '/* open', ''];

describe('the direct parser', () => {
  it('parses every generated declaration itself (so the comparison below is not vacuous)', () => {
    fc.assert(
      fc.property(declaration, (d) => {
        const toks = m4Lexer.tokenize(d).tokens;
        expect(parseDeclarationDirectly(toks, 0, toks.length, new AstBuilder('gen.m4'))).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('gives what chevrotain gives on valid declarations (property)', () => {
    fc.assert(
      fc.property(fc.array(declaration, { minLength: 1, maxLength: 6 }), fc.constantFrom('\n', '\n\n', ' ', '\r\n// c\n'), (ds, nl) =>
        expectSameBothWays(ds.join(nl)),
      ),
      { numRuns: 300 },
    );
  });

  it('gives what chevrotain gives on broken declarations (property)', () => {
    const mutation = fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), insert: fc.constantFrom(...BREAKERS) });
    fc.assert(
      fc.property(fc.array(declaration, { minLength: 1, maxLength: 4 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (ds, ms) => {
        let t = ds.join('\n');
        for (const m of ms) {
          const at = m.at % (t.length + 1);
          t = t.slice(0, at) + m.insert + t.slice(at + m.del);
        }
        expectSameBothWays(t);
      }),
      { numRuns: 500 },
    );
  });

  it('gives up, and leaves the errors to chevrotain, where a declaration ends early', () => {
    // The first was a crash found by the property above: the declaration ended right after a comma.
    for (const text of [
      'node a = f(x,',
      'node a = f(x, at:',
      'model m = onnx(inputs: {a: f32[1],',
      'compare c { gate a >= 1 at 5',
      'input a: f32[1,',
    ])
      expectSameBothWays(text);
  });

  it('gives what chevrotain gives on every .m4 file of the repository', () => {
    const files = repositoryM4Files();
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expectSameBothWays(readFileSync(f, 'utf8'));
  });
});
