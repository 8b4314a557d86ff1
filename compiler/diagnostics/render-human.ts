/**
 * Diagnostics for people: `file:line:col`, the source line as written, carets under the span, notes and a
 * help line, in the manner of rustc and Elm. Colour only when asked (the CLI decides from the TTY and
 * `NO_COLOR`).
 */
import pc from 'picocolors';
import type { Span } from '../../grammar/ast.ts';
import { lineStarts } from '../../grammar/language.ts';
import type { Diagnostic } from './diagnostic.ts';

export interface RenderOptions {
  color: boolean;
  /** File name → text, for showing source lines. A missing file renders without its source line. */
  sources: ReadonlyMap<string, string>;
}

export function renderHuman(ds: readonly Diagnostic[], opts: RenderOptions): string {
  return ds.map((d) => renderOne(d, opts)).join('\n');
}

function renderOne(d: Diagnostic, opts: RenderOptions): string {
  const c = pc.createColors(opts.color);
  const sevColor = d.severity === 'error' ? c.red : d.severity === 'warning' ? c.yellow : c.cyan;
  const out: string[] = [];
  out.push(`${c.bold(sevColor(`${d.severity}[${d.code}]`))}${c.bold(`: ${d.message}`)}`);
  let maxLine = d.span.endLine;
  for (const r of d.related ?? []) maxLine = Math.max(maxLine, r.span.endLine);
  const gutter = String(maxLine).length;
  const pad = ' '.repeat(gutter);
  out.push(`${pad}${c.blue('-->')} ${d.span.file}:${d.span.line}:${d.span.column}`);
  out.push(...snippet(d.span, opts.sources.get(d.span.file), gutter, (s) => c.bold(sevColor(s)), '^', undefined, c.blue));
  for (const r of d.related ?? []) {
    out.push(`${pad}${c.blue('-->')} ${r.span.file}:${r.span.line}:${r.span.column}`);
    out.push(...snippet(r.span, opts.sources.get(r.span.file), gutter, c.blue, '-', r.message, c.blue));
  }
  for (const n of d.notes ?? []) out.push(`${pad} ${c.blue('=')} ${c.bold('note')}: ${n}`);
  if (d.help) out.push(`${pad} ${c.blue('=')} ${c.bold('help')}: ${d.help}`);
  return `${out.join('\n')}\n`;
}

/** The source line(s) of a span with markers under it; long spans show their first line only. */
function snippet(
  span: Span,
  text: string | undefined,
  gutter: number,
  paint: (s: string) => string,
  mark: string,
  label: string | undefined,
  blue: (s: string) => string,
): string[] {
  const pad = ' '.repeat(gutter);
  if (text === undefined) return label ? [`${pad} ${blue('=')} ${label}`] : [];
  const line = lineAt(text, span.line);
  if (line === undefined) return label ? [`${pad} ${blue('=')} ${label}`] : [];
  let shown = line.replace(/\t/g, '    ');
  let col = visualColumn(line, span.column);
  let endCol = span.endLine === span.line ? visualColumn(line, span.endColumn) : shown.length + 1;
  // A very long line (minified, generated) is shown as a window around the span.
  if (shown.length > WINDOW && col > WINDOW / 2) {
    const from = col - WINDOW / 2;
    shown = `...${shown.slice(from, from + WINDOW)}`;
    col = col - from + 3;
    endCol = Math.min(endCol - from + 3, shown.length + 1);
  } else if (shown.length > WINDOW) {
    shown = `${shown.slice(0, WINDOW)}...`;
  }
  const width = Math.max(1, Math.min(endCol - col, Math.max(1, shown.length + 1 - col)));
  const num = String(span.line).padStart(gutter);
  const markers = `${' '.repeat(Math.max(0, col - 1))}${paint(mark.repeat(width))}${label ? ` ${paint(label)}` : ''}`;
  return [`${pad} ${blue('|')}`, `${blue(num)} ${blue('|')} ${shown}`, `${pad} ${blue('|')} ${markers}`];
}

const WINDOW = 100;

/** Line starts of the last source rendered: one scan per file, not one per diagnostic. */
let cachedText: string | undefined;
let cachedStarts: number[] = [];

function lineAt(text: string, line: number): string | undefined {
  if (text !== cachedText) {
    cachedText = text;
    cachedStarts = lineStarts(text);
  }
  const start = cachedStarts[line - 1];
  if (start === undefined) return undefined;
  const next = cachedStarts[line];
  let s = text.slice(start, next ?? text.length);
  // Drop the line break itself (`\n`, `\r\n` or a lone `\r`).
  if (s.endsWith('\n')) s = s.slice(0, -1);
  if (s.endsWith('\r')) s = s.slice(0, -1);
  return s;
}

/** Tabs are shown as four spaces, so the carets must move with them. */
function visualColumn(line: string, column: number): number {
  let v = 1;
  for (let i = 0; i < column - 1 && i < line.length; i++) v += line[i] === '\t' ? 4 : 1;
  return v + Math.max(0, column - 1 - line.length);
}
