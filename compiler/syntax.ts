/**
 * The syntax pass: text → AST, lexing and parsing problems turned into M0xxx diagnostics.
 */
import type { Program } from '../grammar/ast.ts';
import { parse, type ParseResult, type SyntaxProblem } from '../grammar/parse.ts';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';

const RULE_WORDS: Record<string, string> = {
  inputDecl: 'this input declaration',
  modelDecl: 'this model declaration',
  nodeDecl: 'this node declaration',
  outputDecl: 'this output declaration',
  replayDecl: 'this replay declaration',
  compareDecl: 'this compare block',
  typeExpr: 'this type',
  fromSpec: 'this `from` clause',
  gateItem: 'this gate',
  sinkItem: 'this sink',
  fieldItem: 'this field',
  callOrRef: 'this call',
  arg: 'this argument',
  list: 'this list',
  primary: 'this expression',
  expr: 'this expression',
  dim: 'this dimension',
  name: 'this declaration',
  declaration: 'this declaration',
  compareItem: 'this compare block',
};

export function syntaxPass(text: string, file: string): PassResult<Program> {
  return syntaxOf(parse(text, file));
}

/** The pass's result for a text parsed elsewhere (the language server's grammar/incremental-parse.ts). */
export function syntaxOf({ program, problems }: ParseResult): PassResult<Program> {
  return { result: program, diagnostics: problems.map(toDiagnostic) };
}

function expectedWords(expected: string[], rule: string): string {
  if (rule === 'primary' || rule === 'expr') return 'a value (a name, a call, a number, a string or a list)';
  if (expected.length === 0) return 'more';
  if (expected.length > 4) return `one of ${expected.slice(0, 4).join(', ')}, ...`;
  return expected.length === 1 ? expected[0]! : `${expected.slice(0, -1).join(', ')} or ${expected[expected.length - 1]}`;
}

function toDiagnostic(p: SyntaxProblem): Diagnostic {
  switch (p.kind) {
    case 'unexpected-character':
      return diag('M0001', p.span, { text: p.text });
    case 'unterminated-string':
      return diag('M0002', p.span, {});
    case 'unterminated-comment':
      return diag('M0003', p.span, {});
    case 'unexpected-token':
      return diag('M0004', p.span, { found: describeFound(p.found), expected: expectedWords(p.expected, p.rule) });
    case 'missing-token':
      return diag('M0005', p.span, { what: RULE_WORDS[p.rule] ?? 'this declaration', expected: expectedWords(p.expected, p.rule) });
    case 'stray-tokens':
      return diag('M0006', p.span, { found: describeFound(p.found) });
    case 'too-deep':
      return diag('M0007', p.span, { limit: p.limit });
    case 'number-out-of-range':
      return diag('M0008', p.span, { text: p.text.length > 30 ? `${p.text.slice(0, 30)}...` : p.text });
  }
}

function describeFound(image: string): string {
  const shown = image.length > 30 ? `${image.slice(0, 30)}...` : image;
  return `\`${shown}\``;
}
