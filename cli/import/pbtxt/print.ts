/**
 * Protobuf text from a parsed tree, in one layout: two-space indentation, messages as `name { ... }`, lists
 * as `name: [a, b]`. `parsePbtxt(printPbtxt(fields))` gives the same tree (positions aside): the parser's
 * property test relies on it, and `m4c import` tests use it to write repositories.
 */
import type { PbField, PbValue } from './parse.ts';

export function printPbtxt(fields: readonly PbField[], indent = ''): string {
  return fields.map((f) => printField(f, indent)).join('');
}

function printField(f: PbField, indent: string): string {
  if (f.list) return `${indent}${f.name}: [${f.values.map((v) => printValue(v, `${indent}  `)).join(', ')}]\n`;
  const v = f.values[0]!;
  if (v.kind === 'message') return `${indent}${f.name} ${printValue(v, indent)}\n`;
  return `${indent}${f.name}: ${printValue(v, indent)}\n`;
}

function printValue(v: PbValue, indent: string): string {
  switch (v.kind) {
    case 'string':
      return quote(v.value);
    case 'number':
      return v.text;
    case 'ident':
      return v.value;
    case 'message':
      return v.fields.length === 0 ? '{}' : `{\n${printPbtxt(v.fields, `${indent}  `)}${indent}}`;
  }
}

/** A double-quoted string with C escapes for quotes, backslashes and control characters. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
