/**
 * The one diagnostic type of m4. Passes return these as data; the CLI renders them as text or JSON and
 * the language server sends them as LSP diagnostics.
 */
import type { Span } from '../../grammar/ast.ts';
import { CATALOGUE, type DiagnosticCode } from './catalogue.ts';

export type Severity = 'error' | 'warning' | 'info';

/** A secondary location: "the other shape came from here". */
export interface RelatedSpan {
  span: Span;
  message: string;
}

/** A machine-applicable fix: replace the text of `span` with `replacement`. */
export interface Suggestion {
  span: Span;
  replacement: string;
  /** Short label, e.g. "replace with `scaled`". */
  title: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  /** One line, the summary. */
  message: string;
  span: Span;
  /** Extra facts, each one line ("expected f32[batch, 30] (from the ONNX signature of v1)"). */
  notes?: string[];
  related?: RelatedSpan[];
  /** How to fix it, one line. */
  help?: string;
  suggestion?: Suggestion;
  /** LSP tags: unused declarations are shown faded. */
  unnecessary?: boolean;
}

type ArgsOf<C extends DiagnosticCode> = Parameters<(typeof CATALOGUE)[C]['message']>[0];

/**
 * Build a diagnostic from the catalogue: the severity and message come from the code, so passes never
 * carry message strings of their own.
 */
export function diag<C extends DiagnosticCode>(
  code: C,
  span: Span,
  args: ArgsOf<C>,
  extra: Omit<Partial<Diagnostic>, 'code' | 'span' | 'message' | 'severity'> = {},
): Diagnostic {
  const entry = CATALOGUE[code];
  const message = (entry.message as (a: ArgsOf<C>) => string)(args);
  const d: Diagnostic = { code, severity: entry.severity, message, span, ...extra };
  if (d.help === undefined && entry.help) d.help = entry.help;
  return d;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** Stable order for output: by file, position, then code. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) =>
    a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.start - b.span.start || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** Every pass returns this. */
export interface PassResult<R> {
  result: R;
  diagnostics: Diagnostic[];
}
