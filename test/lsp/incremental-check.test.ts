/**
 * The language server checks a document incrementally (grammar/incremental-parse.ts: declaration starts
 * found by lexing around the edit, unchanged declarations reused, moved ones moved in place;
 * compiler/incremental.ts: only the declarations that changed, and those whose inputs' types changed, are
 * type-checked again). After any sequence of edits its diagnostics and program are exactly those of a full
 * `compileSource` of the same text.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { CheckSession } from '../../compiler/incremental.ts';
import { analyze } from '../../lsp/analysis.ts';
import { ROOT } from '../support/run-cli.ts';

const FILE = join(ROOT, 'examples/fraud/ab.m4');
const EXAMPLE = readFileSync(FILE, 'utf8');
const URI = `file://${FILE}`;

// Edits a user makes: typos in names, broken and mended brackets, declarations added and removed, comments
// and strings opened and closed.
const INSERTS = [
  'x',
  'n',
  ' ',
  '\n',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  '1',
  '"',
  '//',
  '/*',
  '*/',
  '`',
  '@',
  'node extra = clip(tx, min: 0.0, max: 1.0)\n',
  'output o2 = scaled\n',
  'input tx: f32[batch, 4]\n',
  'gate auroc.delta >= 0.5\n',
];
const editOp = fc.record({ at: fc.nat(), del: fc.nat({ max: 10 }), insert: fc.constantFrom(...INSERTS, '') });

describe('incremental checking equals a full check', () => {
  it('diagnostics and program after every edit of a sequence (property)', () => {
    fc.assert(
      fc.property(fc.array(editOp, { minLength: 1, maxLength: 10 }), (edits) => {
        const session = new CheckSession(FILE);
        let text = EXAMPLE;
        let version = 1;
        for (const e of [{ at: 0, del: 0, insert: '' }, ...edits]) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.del);
          const incremental = analyze(URI, TextDocument.create(URI, 'm4', version++, text), ROOT, session).comp;
          const full = compileSource(text, FILE, { noPlan: true });
          expect(incremental.diagnostics).toEqual(full.diagnostics);
          expect(incremental.program).toEqual(full.program);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a typo and its fix, alternately, in the middle of a long file', () => {
    const lines = EXAMPLE.split('\n');
    const at = lines.findIndex((l) => l.startsWith('node treat'));
    const long = [
      ...lines.slice(0, at),
      ...Array.from({ length: 300 }, (_, i) => `node s${i} = clip(scaled, min: -1.0, max: 1.0)`),
      ...lines.slice(at),
    ].join('\n');
    const session = new CheckSession(FILE);
    let text = long;
    for (let i = 0; i < 6; i++) {
      text = i % 2 === 0 ? text.replace('node s150 = clip(scaled,', 'node s150 = clip(scaledx,') : long;
      const incremental = analyze(URI, TextDocument.create(URI, 'm4', i + 1, text), ROOT, session).comp;
      expect(incremental.diagnostics).toEqual(compileSource(text, FILE, { noPlan: true }).diagnostics);
      if (i > 0) expect(session.parser.lexed).toBeLessThan(500);
    }
  });
});
