/**
 * The language facts of grammar/language.ts are the ones the lexer and parser use, and parse errors say
 * what was expected from the parser's own knowledge (its error message provider), not from its English.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DECLARATION_KEYWORDS, KEYWORDS, endOf, isIdentifier, isPlainName, lineStarts, writeName } from '../../grammar/language.ts';
import { parse } from '../../grammar/parse.ts';
import * as T from '../../grammar/tokens.ts';

describe('language facts', () => {
  it('every keyword lexes as a keyword token, and a longer word as an identifier', () => {
    for (const k of KEYWORDS) {
      const [tok] = T.m4Lexer.tokenize(k).tokens;
      expect(tok!.tokenType).not.toBe(T.Identifier);
      expect(T.m4Lexer.tokenize(`${k}s`).tokens[0]!.tokenType).toBe(T.Identifier);
    }
    expect([...T.DECLARATION_TOKENS].map((t) => t.name.toLowerCase())).toEqual([...DECLARATION_KEYWORDS]);
  });

  it('identifiers are what the lexer reads as one Identifier token', () => {
    for (const s of ['x', '_a1', 'A_b', 'f32']) {
      expect(isIdentifier(s)).toBe(true);
      const toks = T.m4Lexer.tokenize(s).tokens;
      expect(toks.map((t) => t.tokenType)).toEqual([T.Identifier]);
    }
    for (const s of ['1a', 'a-b', 'a b', '', 'é']) expect(isIdentifier(s)).toBe(false);
    expect(isPlainName('input')).toBe(false);
  });

  it('writeName gives text that parses back to the same name', () => {
    for (const name of ['x', 'input', 'output', 'true', 'onnx::Flatten_0', '39', 'a b']) {
      const { program, problems } = parse(`node ${writeName(name)} = y\n`, 't.m4');
      expect(problems).toEqual([]);
      expect(program.decls[0]!.name!.text).toBe(name);
    }
  });
});

describe('expected tokens', () => {
  it('come from the parser for a mismatched token', () => {
    const { problems } = parse('input x f32[batch]\n', 't.m4');
    expect(problems[0]).toMatchObject({ kind: 'unexpected-token', expected: ["':'"] });
  });

  it('list every alternative of a choice', () => {
    const { problems } = parse('input x: f32[batch, =]\n', 't.m4');
    expect(problems[0]!.kind).toBe('unexpected-token');
    expect((problems[0] as { expected: string[] }).expected).toEqual(['a number', 'a name', "'?'"]);
    const gate = parse('compare c { gate auroc.delta = 1 }\n', 't.m4').problems[0] as { expected: string[] };
    expect(gate.expected).toEqual(expect.arrayContaining(["'>='", "'<='", "'>'", "'<'"]));
  });
});

describe('line breaks', () => {
  it('endOf is the line and column after the last of lineStarts, and where the lexer ends (property)', () => {
    const text = fc.array(fc.constantFrom('a', 'bc', '\n', '\r', '\r\n', ' '), { maxLength: 30 }).map((p) => p.join(''));
    fc.assert(
      fc.property(text, (t) => {
        const starts = lineStarts(t);
        expect(endOf(t)).toEqual({ line: starts.length, column: t.length - starts[starts.length - 1]! + 1 });
        const end = T.m4Lexer.tokenize(`${t}(`).tokens.at(-1)!;
        expect(endOf(t)).toEqual({ line: end.startLine, column: end.startColumn });
      }),
    );
  });
});
