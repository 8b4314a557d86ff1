/**
 * Compiler diagnostics as LSP diagnostics: same code, same message; notes and help appended as lines;
 * `related` spans as related information; `unnecessary` as the Unnecessary tag (shown faded).
 */
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic as LspDiagnostic, type Range } from 'vscode-languageserver';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import type { Span } from '../grammar/ast.ts';
import { spanRange, type Analysis } from './analysis.ts';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

export function toLspDiagnostic(a: Analysis, d: Diagnostic): LspDiagnostic {
  const lines = [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`)];
  if (d.help) lines.push(`help: ${d.help}`);
  const out: LspDiagnostic = {
    range: spanRange(a.doc, d.span),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: 'm4',
    message: lines.join('\n'),
  };
  if (d.related?.length) {
    out.relatedInformation = d.related.map((r) => ({ location: { uri: uriOfSpan(a, r.span), range: rangeOfSpan(a, r.span) }, message: r.message }));
  }
  if (d.unnecessary) out.tags = [DiagnosticTag.Unnecessary];
  return out;
}

export function lspDiagnostics(a: Analysis): LspDiagnostic[] {
  return a.comp.diagnostics.map((d) => toLspDiagnostic(a, d));
}

/** Related spans are in this document unless they name another file. */
function uriOfSpan(a: Analysis, span: Span): string {
  if (span.file === a.file || span.file === a.uri) return a.uri;
  try {
    return pathToFileURL(span.file).href;
  } catch {
    return a.uri;
  }
}

function rangeOfSpan(a: Analysis, span: Span): Range {
  if (uriOfSpan(a, span) === a.uri) return spanRange(a.doc, span);
  // Another file: its offsets mean nothing here, its line and column do.
  return { start: { line: span.line - 1, character: span.column - 1 }, end: { line: span.endLine - 1, character: span.endColumn - 1 } };
}
