/**
 * Text emission for `m4c init`: lays a {@link Draft} out in the layout of `m4c fmt` (compiler/format.ts)
 * — declarations of a group aligned on their `:` or `=`, trailing comments of consecutive lines aligned
 * one space after the longest, compare fields aligned after their keys — plus long comments wrapped at
 * 110 columns, which the formatter keeps as they are. The generator still runs the text through the
 * formatter, which also breaks code lines past its width.
 */
import type { Draft, DraftDecl, DraftGroup } from './graph-draft.ts';

/** Comment lines are wrapped to this width (the code itself is never wrapped). */
export const COMMENT_WIDTH = 110;

/** Lay out the draft. Deterministic; ends with exactly one newline; declarations in draft order. */
export function emitDraft(draft: Draft): string {
  const out: string[] = [];
  for (const h of draft.header) out.push(...commentLines(h, ''));
  for (const g of draft.groups) {
    if (g.items.length === 0) continue;
    if (out.length > 0) out.push('');
    for (const c of g.leading) out.push(...commentLines(c, ''));
    emitGroup(g, out);
  }
  return `${out.join('\n')}\n`;
}

function emitGroup(g: DraftGroup, out: string[]): void {
  const heads = g.items.map((it) => headOf(it.decl));
  const pad = Math.max(...heads.map((h) => (h.align ? h.head.length : 0)));
  const firstLines = g.items.map((it, i) => {
    const h = heads[i]!;
    return h.align ? `${h.head.padEnd(pad)}${h.rest}` : `${h.head}${h.rest}`;
  });
  const commentAt = trailingColumns(
    firstLines,
    g.items.map((it) => (it.decl.kind !== 'compare' ? it.trailing : null)),
    g.items.map((it) => it.leading.length > 0),
  );
  g.items.forEach((it, i) => {
    for (const c of it.leading) out.push(...commentLines(c, ''));
    if (it.decl.kind === 'compare') {
      out.push(...compareLines(it.decl, it.trailing));
    } else {
      const line = firstLines[i]!;
      out.push(it.trailing !== null ? `${line.padEnd(commentAt[i]!)} // ${oneLine(it.trailing)}` : line);
    }
  });
}

/**
 * Where each line's trailing comment starts (gofmt's rule, as `m4c fmt` applies it): consecutive lines
 * that all have one, the later ones without comments above them, share the column after the longest.
 */
function trailingColumns(lines: string[], trailing: (string | null)[], commentedAbove: boolean[]): number[] {
  const at = lines.map((l) => l.length);
  let i = 0;
  while (i < lines.length) {
    if (trailing[i] === null) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < lines.length && trailing[j] !== null && !commentedAbove[j]) j++;
    const width = Math.max(...at.slice(i, j));
    for (let k = i; k < j; k++) at[k] = width;
    i = j;
  }
  return at;
}

/** The part of a declaration's line that is padded (`input tx:`, `node control`) and the rest. */
function headOf(d: DraftDecl): { head: string; rest: string; align: boolean } {
  switch (d.kind) {
    case 'input': {
      const rest = ` ${d.type}${d.optional ? ' optional' : ''}${d.from !== null ? ` from ${d.from}` : ''}`;
      return { head: `input ${d.name}:`, rest, align: true };
    }
    case 'replay':
      return { head: `replay ${d.path}`, rest: '', align: false };
    case 'model':
      return { head: `model ${d.name}`, rest: ` = onnx(${d.path})`, align: true };
    case 'node':
    case 'output':
      return { head: `${d.kind} ${d.name}`, rest: ` = ${d.expr}`, align: true };
    case 'compare':
      return { head: `compare ${d.name} {`, rest: '', align: false };
  }
}

function compareLines(d: Extract<DraftDecl, { kind: 'compare' }>, trailing: string | null): string[] {
  const out = [trailing !== null ? `compare ${d.name} { // ${oneLine(trailing)}` : `compare ${d.name} {`];
  const keyWidth = Math.max(...d.fields.map(([k]) => k.length + 1));
  for (const [k, v] of d.fields) out.push(`  ${`${k}:`.padEnd(keyWidth)} ${v}`);
  const gates = d.gates.map((g) => `  gate ${g.text}`);
  const at = trailingColumns(
    gates,
    d.gates.map((g) => g.comment),
    d.gates.map(() => false),
  );
  d.gates.forEach((g, i) => out.push(g.comment !== null ? `${gates[i]!.padEnd(at[i]!)} // ${oneLine(g.comment)}` : gates[i]!));
  for (const s of d.sinks) out.push(`  sink ${s}`);
  out.push('}');
  return out;
}

/** A comment as `// ...` lines, wrapped at word boundaries; an empty text is a bare `//` line. */
export function commentLines(text: string, indent: string): string[] {
  const prefix = `${indent}//`;
  if (text.trim() === '') return [prefix];
  // Text starting with spaces is preformatted (a command example): kept as one line.
  if (/^ {2}/.test(text)) return [`${prefix} ${oneLine(text)}`];
  const words = oneLine(text)
    .split(' ')
    .filter((w) => w.length > 0);
  const out: string[] = [];
  let line = prefix;
  for (const w of words) {
    if (line !== prefix && line.length + 1 + w.length > COMMENT_WIDTH) {
      out.push(line);
      line = `${prefix} ${w}`;
      continue;
    }
    line += ` ${w}`;
  }
  out.push(line);
  return out;
}

/** Comment text on one line: line breaks (from file or field names) become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
