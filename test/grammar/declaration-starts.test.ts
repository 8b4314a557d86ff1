/**
 * Declaration starts kept across edits by lexing a window around each edit: always what a lex of the
 * whole text finds (offsets, lines, columns), and, on a long file, lexing in proportion to the edit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeclarationStarts } from '../../grammar/declaration-starts.ts';
import { IncrementalParser } from '../../grammar/incremental-parse.ts';
import { parse } from '../../grammar/parse.ts';
import * as T from '../../grammar/tokens.ts';

function wholeLex(text: string) {
  return T.m4Lexer
    .tokenize(text)
    .tokens.filter((t) => T.DECLARATION_TOKENS.has(t.tokenType))
    .map((t) => ({ offset: t.startOffset, line: t.startLine! - 1, column: t.startColumn! - 1 }));
}

// Declarations long enough for the window to matter, and pieces that change how the rest lexes.
const PIECES = [
  'node n1 = sigmoid(x)\n',
  'output o = clip(n1, min: 0.0, max: 1.0)\n',
  'input x: f32[batch, 4]\n',
  'compare ab { control: a, treatment: b }\n',
  'node ',
  'x',
  ' ',
  '\n',
  '\r\n',
  '\r',
  '"s node t"',
  '"open',
  '`q node`',
  '// node c\n',
  '/* node b */',
  '/* open',
  '*/',
  '@',
  'é',
  '1.5e',
  ';',
];
const LEX_ERRORS = new Set(['"open', '/* open', '*/', '@', 'é']);
const text = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((p) => p.join('')),
  // Texts that lex cleanly, so that edits take the windowed path (a text with a lexer error is lexed whole).
  fc.array(fc.constantFrom(...PIECES.filter((p) => !LEX_ERRORS.has(p))), { minLength: 10, maxLength: 80 }).map((p) => p.join('')),
);
const CLEAN_INSERTS = [...PIECES.filter((p) => !LEX_ERRORS.has(p)), '', 'n', 'nodes', 'o'];
const editOp = fc.record({
  at: fc.nat(),
  del: fc.nat({ max: 12 }),
  // Mostly edits that keep the text clean; some that break it (and later ones that may mend it).
  insert: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...CLEAN_INSERTS) }, { weight: 1, arbitrary: fc.constantFrom(...PIECES) }),
});

describe('DeclarationStarts', () => {
  it('finds what a lex of the whole text finds, after every edit (property)', () => {
    fc.assert(
      fc.property(text, fc.array(editOp, { maxLength: 15 }), (start, edits) => {
        const starts = new DeclarationStarts();
        let t = start;
        expect(starts.find(t)).toEqual(wholeLex(t));
        for (const e of edits) {
          const at = t.length === 0 ? 0 : e.at % (t.length + 1);
          t = t.slice(0, at) + e.insert + t.slice(at + e.del);
          expect(starts.find(t)).toEqual(wholeLex(t));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('on a 2,000-declaration file, an edit in the middle lexes a few declarations, not the file', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `node n${i + 1} = clip(n${i}, min: -1.0, max: 1.0)`).join('\n');
    const parser = new IncrementalParser('big.m4');
    parser.parse(big);
    expect(parser.lexed).toBe(big.length);
    const typo = big.replace('node n1000 = clip(n999,', 'node n1000 = clip(nx999,');
    for (const t of [typo, big, typo.replace('/*', ''), `${typo}\n/* open`, typo]) {
      expect(parser.parse(t)).toEqual(parse(t, 'big.m4'));
    }
    parser.parse(big);
    parser.parse(typo);
    expect(parser.lexed).toBeLessThan(200);
  });
});
