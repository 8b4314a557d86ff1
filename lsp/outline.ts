/**
 * Document symbols (the outline: inputs, models, nodes, outputs, comparisons with their fields, gates
 * and sinks) and folding ranges (compare blocks, multi-line declarations, block comments, runs of line
 * comments).
 */
import { FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange } from 'vscode-languageserver';
import type { Decl } from '../grammar/ast.ts';
import { spanRange, type Analysis } from './analysis.ts';
import { symbolType, valueType } from './describe.ts';

const KINDS: Record<Decl['kind'], SymbolKind> = {
  input: SymbolKind.Variable,
  model: SymbolKind.Module,
  node: SymbolKind.Function,
  output: SymbolKind.Event,
  compare: SymbolKind.Class,
  replay: SymbolKind.File,
};

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const { comp, doc } = a;
  const out: DocumentSymbol[] = [];
  for (const d of comp.program.decls) {
    const range = spanRange(doc, d.span);
    if (d.kind === 'replay') {
      if (d.path) out.push({ name: `replay ${d.path.value}`, kind: KINDS.replay, range, selectionRange: spanRange(doc, d.path.span) });
      continue;
    }
    if (!d.name) continue;
    const sym = comp.resolution.declSymbols.get(d);
    const detail =
      d.kind === 'model'
        ? d.path?.value
        : d.kind === 'compare'
          ? comp.compares.find((c) => c.decl === d)?.task.kind
          : sym
            ? symbolType(comp, sym)
            : undefined;
    const item: DocumentSymbol = {
      name: d.name.text,
      kind: KINDS[d.kind],
      range,
      selectionRange: spanRange(doc, d.name.span),
      ...(detail ? { detail } : {}),
    };
    if (d.kind === 'compare') {
      const children: DocumentSymbol[] = [];
      for (const f of d.fields) {
        const t = valueType(comp, f.value);
        children.push({
          name: f.key.text,
          kind: SymbolKind.Field,
          range: spanRange(doc, f.span),
          selectionRange: spanRange(doc, f.key.span),
          ...(t ? { detail: t } : {}),
        });
      }
      for (const g of d.gates) {
        const first = g.path[0];
        children.push({
          name: `gate ${g.text}`,
          kind: SymbolKind.Boolean,
          range: spanRange(doc, g.span),
          selectionRange: spanRange(doc, first?.span ?? g.span),
        });
      }
      for (const s of d.sinks) {
        if (!s.kind) continue;
        children.push({
          name: `sink ${s.kind.text}`,
          kind: SymbolKind.Object,
          range: spanRange(doc, s.span),
          selectionRange: spanRange(doc, s.kind.span),
        });
      }
      children.sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character);
      item.children = children;
    }
    out.push(item);
  }
  return out;
}

export function foldingRanges(a: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  // Lines are 0-based in LSP; spans are 1-based.
  for (const d of a.comp.program.decls) {
    if (d.span.endLine > d.span.line) out.push({ startLine: d.span.line - 1, endLine: d.span.endLine - 1 });
  }
  const comments = a.comp.program.comments;
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i]!;
    if (c.block) {
      if (c.span.endLine > c.span.line) out.push({ startLine: c.span.line - 1, endLine: c.span.endLine - 1, kind: FoldingRangeKind.Comment });
      continue;
    }
    // A run of line comments on consecutive lines folds as one.
    let j = i;
    while (j + 1 < comments.length && !comments[j + 1]!.block && comments[j + 1]!.span.line === comments[j]!.span.line + 1) j++;
    if (j > i) out.push({ startLine: c.span.line - 1, endLine: comments[j]!.span.line - 1, kind: FoldingRangeKind.Comment });
    i = j;
  }
  return out.sort((x, y) => x.startLine - y.startLine);
}
