/**
 * The incremental parse (the language server's) gives exactly what parsing the whole text gives (program,
 * spans, comments, syntax problems), after any sequence of edits, while re-parsing only changed chunks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncrementalParser } from '../../grammar/incremental-parse.ts';
import { parse } from '../../grammar/parse.ts';

const BASE = 'input x: f32[batch, 4]\nnode c = sigmoid(x)\nnode t = clip(c, min: 0.0, max: 1.0)\noutput o = t\n';

const PIECES = [
  'input ',
  'model ',
  'node ',
  'output ',
  'compare ',
  'replay ',
  'gate ',
  'sink ',
  'x',
  'abc',
  ' = ',
  ': ',
  'f32',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  ', ',
  '.',
  '1.5',
  '-2',
  '"s"',
  '"unterminated',
  '`q n`',
  '// c\n',
  '/* b */',
  '/* open',
  '\n',
  '\n\n',
  '  ',
  'sigmoid(x)',
  '>= 0.1',
  'at 95%',
  '@',
  '\r\n',
  '\r',
  'é',
];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((p) => p.join(''));
const editOp = fc.record({ at: fc.nat(), del: fc.nat({ max: 8 }), insert: fc.constantFrom(...PIECES, '') });

/** Equal down to `undefined`-valued properties and property order (moved declarations are copies). */
function expectSame(a: ReturnType<typeof parse>, b: ReturnType<typeof parse>): void {
  expect(a).toStrictEqual(b);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
}

describe('IncrementalParser', () => {
  it('equals parse on the whole text after every edit (property)', () => {
    fc.assert(
      fc.property(text, fc.array(editOp, { maxLength: 12 }), (start, edits) => {
        const parser = new IncrementalParser('gen.m4');
        let t = start;
        expectSame(parser.parse(t), parse(t, 'gen.m4'));
        for (const e of edits) {
          const at = t.length === 0 ? 0 : e.at % (t.length + 1);
          t = t.slice(0, at) + e.insert + t.slice(at + e.del);
          expectSame(parser.parse(t), parse(t, 'gen.m4'));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('equals parse after edits of a long text (its ends compared block by block; its lines counted again only around the edit)', () => {
    // ~8 KB: longer than the blocks (4 KB) DeclarationStarts compares the old and new text by.
    const long = BASE.repeat(80);
    fc.assert(
      fc.property(fc.array(editOp, { minLength: 1, maxLength: 6 }), (edits) => {
        const parser = new IncrementalParser('long.m4');
        let t = long;
        parser.parse(t);
        for (const e of edits) {
          const at = e.at % (t.length + 1);
          t = t.slice(0, at) + e.insert + t.slice(at + e.del);
          expectSame(parser.parse(t), parse(t, 'long.m4'));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('re-parses only the declaration an edit touched, moving the ones after it', () => {
    const big = Array.from({ length: 300 }, (_, i) => `node n${i + 1} = sigmoid(n${i})`).join('\n');
    const parser = new IncrementalParser('big.m4');
    parser.parse(big);
    expect(parser.reparsed).toBe(300);
    const edited = big.replace('node n10 = sigmoid(n9)', 'node n10 = sigmoid(n9x)');
    const r = parser.parse(edited);
    expect(parser.reparsed).toBe(1);
    // The other 299 are found by position: only the edited chunk is looked up by its text.
    expect(parser.lookedUp).toBe(1);
    expect(r).toEqual(parse(edited, 'big.m4'));
    parser.parse(edited);
    expect(parser.reparsed).toBe(0);
    expect(parser.lookedUp).toBe(0);
  });

  it('walks only the chunks around an edit that moves nothing after it (the others are spliced in)', () => {
    const big = Array.from({ length: 300 }, (_, i) => `node n${i + 1} = clip(n${i}, min: -5.0, max: 5.0) // c${i}`).join('\n');
    const parser = new IncrementalParser('big.m4');
    parser.parse(big);
    const edited = big.replace('node n150 = clip(n149, min: -5.0,', 'node n150 = clip(n149, min: -4.0,');
    const r = parser.parse(edited);
    expect(parser.reparsed).toBe(1);
    expect(parser.visited).toBeLessThanOrEqual(3);
    expectSame(r, parse(edited, 'big.m4'));
    // An edit that changes the length moves what follows: those chunks are walked.
    const longer = edited.replace('node n10 = clip(n9, min: -5.0,', 'node n10 = clip(n9, min: -5.25,');
    expectSame(parser.parse(longer), parse(longer, 'big.m4'));
    expect(parser.visited).toBeGreaterThan(280);
  });

  it('keeps the tree of a declaration cut and pasted elsewhere (found by its text)', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `node n${i + 1} = sigmoid(n${i})`);
    const parser = new IncrementalParser('m.m4');
    const a = parser.parse(lines.join('\n'));
    const moved = a.program.decls[9]!;
    const pasted = [...lines.slice(0, 9), ...lines.slice(10, 40), lines[9]!, ...lines.slice(40)].join('\n');
    const b = parser.parse(pasted);
    expect(b.program.decls[39]).toBe(moved);
    expect(parser.reparsed).toBe(0);
    expectSame(b, parse(pasted, 'm.m4'));
  });

  it('keeps unchanged declarations after an edit as the same objects, their spans moved in place', () => {
    const parser = new IncrementalParser('t.m4');
    const a = parser.parse(BASE);
    const last = a.program.decls.at(-1)!;
    const line = last.span.line;
    const edited = `// a new first line\n${BASE}`;
    const b = parser.parse(edited);
    expect(b.program.decls.at(-1)).toBe(last);
    expect(last.span.line).toBe(line + 1);
    expect(parser.moved).toBeGreaterThan(0);
    expectSame(b, parse(edited, 't.m4'));
  });

  it('keeps unchanged declarations that did not move as the same objects', () => {
    const parser = new IncrementalParser('t.m4');
    const a = parser.parse(BASE);
    const b = parser.parse(BASE.replace('output o = t', 'output o = c'));
    expect(b.program.decls[0]).toBe(a.program.decls[0]);
    expect(b.program.decls.at(-1)).not.toBe(a.program.decls.at(-1));
  });
});
