/**
 * A small Wadler-style document printer for `m4c fmt` (the algorithm prettier uses): a document is text,
 * line breaks that may or may not be taken, groups that are printed flat when they fit in the width and
 * broken otherwise, indentation, and line suffixes (trailing `//` comments, flushed before the next
 * newline).
 *
 * Invariants the formatter relies on for idempotency:
 * - the layout depends only on the document and the width, never on the input's layout;
 * - a group containing a hard line or a `breakParent` (a line comment, a multi-line block comment) is
 *   always broken, as is every group around it;
 * - no line ends with spaces.
 */

export type Doc = string | Doc[] | Group | Indent | Line | LineSuffix | BreakParent;

export interface Group {
  kind: 'group';
  contents: Doc;
  shouldBreak: boolean;
}
export interface Indent {
  kind: 'indent';
  contents: Doc;
}
/** `soft`: nothing when flat (otherwise a space); `hard`: always a newline. */
export interface Line {
  kind: 'line';
  soft: boolean;
  hard: boolean;
}
export interface LineSuffix {
  kind: 'line-suffix';
  text: string;
}
export interface BreakParent {
  kind: 'break-parent';
}

export const line: Line = { kind: 'line', soft: false, hard: false };
export const softline: Line = { kind: 'line', soft: true, hard: false };
export const hardline: Line = { kind: 'line', soft: false, hard: true };
export const breakParent: BreakParent = { kind: 'break-parent' };

export function group(contents: Doc): Group {
  return { kind: 'group', contents, shouldBreak: false };
}

export function indent(contents: Doc): Indent {
  return { kind: 'indent', contents };
}

/** Text printed just before the next newline (where a trailing `//` comment must go). */
export function lineSuffix(text: string): LineSuffix {
  return { kind: 'line-suffix', text };
}

export function join(sep: Doc, docs: Doc[]): Doc[] {
  const out: Doc[] = [];
  docs.forEach((d, i) => {
    if (i > 0) out.push(sep);
    out.push(d);
  });
  return out;
}

const INDENT = 2;
const FLAT = 0;
const BREAK = 1;
type Mode = typeof FLAT | typeof BREAK;
type Cmd = [indent: number, mode: Mode, doc: Doc];

/** Mark every group that contains a forced break; returns whether `doc` contains one. */
function propagateBreaks(doc: Doc): boolean {
  if (typeof doc === 'string') return doc.includes('\n');
  if (Array.isArray(doc)) {
    let any = false;
    for (const d of doc) if (propagateBreaks(d)) any = true;
    return any;
  }
  switch (doc.kind) {
    case 'group': {
      const inner = propagateBreaks(doc.contents);
      if (inner) doc.shouldBreak = true;
      return doc.shouldBreak;
    }
    case 'indent':
      return propagateBreaks(doc.contents);
    case 'line':
      return doc.hard;
    case 'break-parent':
      return true;
    case 'line-suffix':
      return false;
  }
}

/** Whether `next` fits in `width` columns, looking ahead into `rest` up to its first newline. */
function fits(next: Cmd, rest: Cmd[], width: number): boolean {
  let restIdx = rest.length;
  const cmds: Cmd[] = [next];
  while (width >= 0) {
    if (cmds.length === 0) {
      if (restIdx === 0) return true;
      cmds.push(rest[--restIdx]!);
      continue;
    }
    const [ind, mode, doc] = cmds.pop()!;
    if (typeof doc === 'string') {
      const nl = doc.indexOf('\n');
      if (nl !== -1) return width - nl >= 0;
      width -= doc.length;
    } else if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) cmds.push([ind, mode, doc[i]!]);
    } else {
      switch (doc.kind) {
        case 'indent':
          cmds.push([ind + INDENT, mode, doc.contents]);
          break;
        case 'group':
          cmds.push([ind, doc.shouldBreak ? BREAK : mode, doc.contents]);
          break;
        case 'line':
          if (mode === BREAK || doc.hard) return true;
          if (!doc.soft) width -= 1;
          break;
        default:
          break;
      }
    }
  }
  return false;
}

/**
 * Print `doc` within `width` columns. The caller has already written the first line's beginning up to
 * column `startColumn`; broken lines are indented by `baseIndent` plus the document's own indentation.
 */
export function printDoc(doc: Doc, width: number, baseIndent = 0, startColumn = baseIndent): string {
  propagateBreaks(doc);
  const out: string[] = [];
  let pos = startColumn;
  let suffixes: string[] = [];
  const cmds: Cmd[] = [[baseIndent, BREAK, doc]];
  while (cmds.length > 0) {
    const [ind, mode, d] = cmds.pop()!;
    if (typeof d === 'string') {
      out.push(d);
      const nl = d.lastIndexOf('\n');
      pos = nl === -1 ? pos + d.length : d.length - nl - 1;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) cmds.push([ind, mode, d[i]!]);
      continue;
    }
    switch (d.kind) {
      case 'indent':
        cmds.push([ind + INDENT, mode, d.contents]);
        break;
      case 'group': {
        if (mode === FLAT && !d.shouldBreak) {
          cmds.push([ind, FLAT, d.contents]);
          break;
        }
        const flat: Cmd = [ind, FLAT, d.contents];
        cmds.push(!d.shouldBreak && fits(flat, cmds, width - pos) ? flat : [ind, BREAK, d.contents]);
        break;
      }
      case 'line':
        if (mode === FLAT && !d.hard) {
          if (!d.soft) {
            out.push(' ');
            pos += 1;
          }
          break;
        }
        if (suffixes.length > 0) {
          out.push(...suffixes);
          suffixes = [];
        }
        trimTrailingSpaces(out);
        out.push(`\n${' '.repeat(ind)}`);
        pos = ind;
        break;
      case 'line-suffix':
        suffixes.push(d.text);
        break;
      case 'break-parent':
        break;
    }
  }
  out.push(...suffixes);
  trimTrailingSpaces(out);
  return out.join('');
}

function trimTrailingSpaces(out: string[]): void {
  while (out.length > 0) {
    const last = out[out.length - 1]!;
    const trimmed = last.replace(/[ \t]+$/, '');
    if (trimmed.length > 0 || last.length === 0) {
      out[out.length - 1] = trimmed;
      return;
    }
    out.pop();
  }
}
