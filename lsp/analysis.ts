/**
 * One compiled version of an open document: what every language feature reads. Features are pure
 * functions of an {@link Analysis} and a position, so they are tested without a connection and never
 * recompile (the server keeps the analysis until the text changes).
 */
import { fileURLToPath } from 'node:url';
import type { Position, Range } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Span } from '../grammar/ast.ts';
import { compileSource, type Compilation } from '../compiler/compile.ts';
import type { CheckSession } from '../compiler/incremental.ts';

export interface Analysis {
  uri: string;
  /** The text that was compiled, with its version. */
  doc: TextDocument;
  /** The path compiled as (diagnostic spans carry it); model paths are relative to its directory. */
  file: string;
  comp: Compilation;
}

/** Where a document's models are looked up: its file's directory, or `fallbackDir` for unsaved buffers. */
export function fileOfUri(uri: string, fallbackDir: string): { file: string; baseDir: string | undefined } {
  if (uri.startsWith('file:')) {
    try {
      return { file: fileURLToPath(uri), baseDir: undefined };
    } catch {
      // A malformed file URI: treat it like an unsaved buffer.
    }
  }
  return { file: uri, baseDir: fallbackDir };
}

/**
 * Compile a document. The compiler reports user errors as diagnostics and never throws on them. With a
 * `session` (one per open document), only the declarations that changed since its last call are parsed and
 * type-checked again (compiler/incremental.ts).
 */
export function analyze(uri: string, doc: TextDocument, fallbackDir: string, session?: CheckSession): Analysis {
  const { file, baseDir } = fileOfUri(uri, fallbackDir);
  const opts = { noPlan: true, ...(baseDir ? { baseDir } : {}) };
  const text = doc.getText();
  const comp = session && session.file === file ? session.update(text, opts) : compileSource(text, file, opts);
  return { uri, doc, file, comp };
}

/** Build an analysis for inline text (tests, tools). */
export function analyzeText(text: string, uri: string, fallbackDir = process.cwd()): Analysis {
  return analyze(uri, TextDocument.create(uri, 'm4', 1, text), fallbackDir);
}

export function spanRange(doc: TextDocument, span: Span): Range {
  return { start: doc.positionAt(span.start), end: doc.positionAt(span.end) };
}

/**
 * The offset of an LSP position, or undefined when the position is malformed or past the last line.
 * A character past the end of its line means the end of the line (clients send that after edits).
 */
export function offsetOf(doc: TextDocument, pos: Position | undefined | null): number | undefined {
  if (!pos || typeof pos !== 'object') return undefined;
  const { line, character } = pos as { line: unknown; character: unknown };
  if (!Number.isInteger(line) || !Number.isInteger(character)) return undefined;
  if ((line as number) < 0 || (character as number) < 0 || (line as number) >= doc.lineCount) return undefined;
  return doc.offsetAt({ line: line as number, character: character as number });
}

/** Whether `offset` touches `span` (a cursor just after the last character still counts). */
export function touches(span: Span, offset: number): boolean {
  return offset >= span.start && offset <= span.end;
}
