/**
 * Go to definition, find references and document highlights, from the resolve pass's symbol table
 * (`targets`, `references`): the server never looks names up on its own.
 */
import { DocumentHighlightKind, type DocumentHighlight, type Location } from 'vscode-languageserver';
import type { M4Symbol } from '../compiler/resolve.ts';
import type { Span } from '../grammar/ast.ts';
import { spanRange, type Analysis } from './analysis.ts';
import { locate, symbolOf } from './locate.ts';

/** The declaration of the symbol at `offset`; ONNX inputs and outputs lead to their model's declaration. */
export function definition(a: Analysis, offset: number): Location | null {
  const loc = locate(a.comp, offset);
  const sym = symbolOf(loc);
  if (sym) return { uri: a.uri, range: spanRange(a.doc, sym.nameSpan) };
  if (loc?.kind === 'arg-name') {
    const t = a.comp.resolution.targets.get(loc.call.callee);
    if (t?.kind === 'symbol' && t.symbol.kind === 'model') return { uri: a.uri, range: spanRange(a.doc, t.symbol.nameSpan) };
  }
  if (loc?.kind === 'member') {
    const v = a.comp.typing.values.get(loc.expr.object);
    const decl = v?.kind === 'model-call' ? v.model.decl : undefined;
    if (decl?.name) return { uri: a.uri, range: spanRange(a.doc, decl.name.span) };
  }
  return null;
}

/** Every place the symbol is named, in file order. */
export function symbolSpans(a: Analysis, sym: M4Symbol, includeDeclaration: boolean): Span[] {
  const uses = a.comp.resolution.references.get(sym) ?? [];
  const spans = includeDeclaration ? [sym.nameSpan, ...uses] : [...uses];
  return spans.sort((x, y) => x.start - y.start);
}

export function references(a: Analysis, offset: number, includeDeclaration: boolean): Location[] {
  const sym = symbolOf(locate(a.comp, offset));
  if (!sym) return [];
  return symbolSpans(a, sym, includeDeclaration).map((s) => ({ uri: a.uri, range: spanRange(a.doc, s) }));
}

export function highlights(a: Analysis, offset: number): DocumentHighlight[] {
  const sym = symbolOf(locate(a.comp, offset));
  if (!sym) return [];
  return symbolSpans(a, sym, true).map((s) => ({
    range: spanRange(a.doc, s),
    kind: s === sym.nameSpan ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
  }));
}
