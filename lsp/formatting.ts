/**
 * Document formatting through the same formatter as `m4c fmt` (compiler/format.ts). The result is one
 * edit covering only the lines that differ, so the editor keeps the cursor and folds elsewhere. A document
 * with syntax errors gets no edits: it is never reformatted half-parsed.
 */
import type { TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { formatSource } from '../compiler/format.ts';

export function formatDocument(doc: TextDocument, file: string): TextEdit[] {
  const text = doc.getText();
  const r = formatSource(text, file);
  if (!r.ok || !r.changed) return [];
  const out = r.text;
  let prefix = 0;
  const max = Math.min(text.length, out.length);
  while (prefix < max && text.charCodeAt(prefix) === out.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && text.charCodeAt(text.length - 1 - suffix) === out.charCodeAt(out.length - 1 - suffix)) suffix++;
  // Never split a surrogate pair or a CRLF: widen to whole lines.
  const lineStart = text.lastIndexOf('\n', prefix - 1) + 1;
  const start = lineStart;
  const endInText = text.length - suffix;
  const nl = text.indexOf('\n', endInText);
  const end = nl === -1 ? text.length : nl;
  const cut = text.length - end;
  return [
    {
      range: { start: doc.positionAt(start), end: doc.positionAt(end) },
      newText: out.slice(start, out.length - cut),
    },
  ];
}
