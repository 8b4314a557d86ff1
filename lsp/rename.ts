/**
 * Rename of inputs, models, nodes, outputs and comparisons. Only names the resolve pass bound to a
 * declaration can be renamed; a new name is refused when it is not an identifier, is a keyword, is a
 * stdlib op (calls would then resolve to the declaration instead of the op), or is already declared.
 */
import { ErrorCodes, ResponseError, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { isIdentifier, isKeyword } from '../grammar/language.ts';
import { getOp } from '../stdlib/ops/index.ts';
import { spanRange, type Analysis } from './analysis.ts';
import { locate, symbolOf } from './locate.ts';
import { symbolSpans } from './navigation.ts';

/** The range and current name of a renameable symbol at `offset`, or null when there is none there. */
export function prepareRename(a: Analysis, offset: number): { range: Range; placeholder: string } | null {
  const loc = locate(a.comp, offset);
  const sym = symbolOf(loc);
  if (!sym || !loc) return null;
  const name = loc.kind === 'decl-name' ? loc.name : loc.kind === 'ref' ? loc.name : loc.kind === 'callee' ? loc.call.callee : undefined;
  if (!name) return null;
  return { range: spanRange(a.doc, name.span), placeholder: sym.name };
}

/** Why `newName` cannot replace `oldName`, or undefined when it can. */
export function renameProblem(a: Analysis, oldName: string, newName: string): string | undefined {
  if (typeof newName !== 'string' || !isIdentifier(newName)) {
    return `\`${String(newName)}\` is not a valid name: use letters, digits and \`_\`, not starting with a digit`;
  }
  if (newName === oldName) return undefined;
  if (isKeyword(newName)) return `\`${newName}\` is a keyword`;
  if (getOp(newName)) return `\`${newName}\` is a stdlib op: calls of it would no longer reach the op`;
  const existing = a.comp.resolution.symbols.get(newName);
  if (existing)
    return `\`${newName}\` is already declared (as ${existing.kind === 'input' ? 'an input' : `a ${existing.kind === 'compare' ? 'comparison' : existing.kind}`}, line ${existing.nameSpan.line})`;
  return undefined;
}

/**
 * The edits renaming the symbol at `offset`: null when there is nothing to rename there, a
 * `ResponseError` (shown by the editor) when the new name is refused.
 */
export function rename(a: Analysis, offset: number, newName: string): WorkspaceEdit | null {
  const sym = symbolOf(locate(a.comp, offset));
  if (!sym) return null;
  const problem = renameProblem(a, sym.name, newName);
  if (problem) throw new ResponseError(ErrorCodes.InvalidParams, `cannot rename \`${sym.name}\`: ${problem}`);
  const edits: TextEdit[] = symbolSpans(a, sym, true).map((s) => ({ range: spanRange(a.doc, s), newText: newName }));
  return { changes: { [a.uri]: edits } };
}
