/**
 * The direct lexer (grammar/direct-lex.ts) succeeds exactly on the texts chevrotain's lexer lexes without
 * an error, and then finds the same tokens and comments: types, images, offsets, lines and columns.
 */
import fc from 'fast-check';
import type { IToken } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { lexDirectly } from '../../grammar/direct-lex.ts';
import { KEYWORDS } from '../../grammar/language.ts';
import { m4Lexer } from '../../grammar/tokens.ts';

const PIECES = [
  ...KEYWORDS,
  ...KEYWORDS.map((k) => `${k}s`),
  'x',
  '_a1',
  'f32',
  '0',
  '12',
  '1.',
  '1.5',
  '.5',
  '-2',
  '+3',
  '1e5',
  '1E-3',
  '2e',
  '-',
  '+',
  '.',
  '"s"',
  '"a\\"b"',
  '"\\u00e9"',
  '"\\x"',
  '"open',
  '`q n`',
  '`open',
  '``',
  '// line',
  '/* b */',
  '/* a\nb */',
  '/* a\r\nb\rc */',
  '/**/',
  '/*/',
  '/* open',
  '/',
  '*',
  '>=',
  '<=',
  '>',
  '<',
  '=',
  ':',
  ',',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '?',
  '%',
  ';',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\r',
  '\f',
  '\v',
  '\u00a0',
  '\ufeff',
  'é',
  '@',
  '#',
  '\u2028',
];

const view = (t: IToken) => [t.tokenType.name, t.image, t.startOffset, t.endOffset, t.startLine, t.endLine, t.startColumn, t.endColumn];

function expectSameAsChevrotain(text: string): boolean {
  const tokens: IToken[] = [];
  const comments: IToken[] = [];
  const ok = lexDirectly(text, { token: (t) => tokens.push(t), comment: (t) => comments.push(t) });
  const reference = m4Lexer.tokenize(text);
  expect(ok).toBe(reference.errors.length === 0);
  if (ok) {
    expect(tokens.map(view)).toEqual(reference.tokens.map(view));
    expect(comments.map(view)).toEqual((reference.groups.comments ?? []).map(view));
    // The same token objects' shape too: the parser reads `tokenTypeIdx`.
    expect(tokens.map((t) => t.tokenTypeIdx)).toEqual(reference.tokens.map((t) => t.tokenTypeIdx));
  }
  return ok;
}

describe('lexDirectly', () => {
  it('lexes as chevrotain does, and fails exactly where chevrotain finds an error (property)', () => {
    let clean = 0;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }), fc.constantFrom('', ' ', '\n'), (pieces, sep) => {
        if (expectSameAsChevrotain(pieces.join(sep))) clean++;
      }),
      { numRuns: 1000 },
    );
    // Not vacuous: many generated texts lex cleanly.
    expect(clean).toBeGreaterThan(100);
  });

  it('handles the ends of the text', () => {
    for (const text of ['', 'x', '1', '.', '"', '`', '/', '/*', '//', '>', '<', '\r', 'a\r', '/* x */', 'é']) expectSameAsChevrotain(text);
  });
});
