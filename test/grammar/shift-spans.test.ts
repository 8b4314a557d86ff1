/**
 * Moving a declaration's syntax (grammar/shift-spans.ts) equals a generic deep copy that moves every span
 * it finds, property order included, on every `.m4` file of the repository: so no node kind or field of the
 * AST is left behind by the per-kind copy.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Span } from '../../grammar/ast.ts';
import type { Place } from '../../grammar/declaration-starts.ts';
import { parse } from '../../grammar/parse.ts';
import { shiftDecl, shiftSpan, shiftSpanned } from '../../grammar/shift-spans.ts';
import { repositoryM4Files } from '../support/m4-files.ts';

/** Every object with the fields of a span is a span; everything else is copied as it is. */
function genericShift<V>(v: V, place: Place): V {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => genericShift(x, place)) as V;
  const o = v as Record<string, unknown>;
  if (typeof o.endColumn === 'number' && typeof o.start === 'number' && typeof o.file === 'string')
    return shiftSpan(o as unknown as Span, place) as V;
  const out: Record<string, unknown> = {};
  for (const k in o) out[k] = genericShift(o[k], place);
  return out as V;
}

describe('shiftDecl', () => {
  const places: Place[] = [
    { offset: 0, line: 0, column: 0 },
    { offset: 17, line: 0, column: 17 },
    { offset: 1234, line: 56, column: 3 },
  ];

  it('moves every span of every declaration of the repository, as a generic deep copy does', () => {
    const files = repositoryM4Files();
    expect(files.length).toBeGreaterThan(20);
    let decls = 0;
    for (const f of files) {
      const { program, problems } = parse(readFileSync(f, 'utf8'), f);
      for (const place of places) {
        for (const d of program.decls) {
          const moved = shiftDecl(d, place);
          expect(moved).toStrictEqual(genericShift(d, place));
          expect(JSON.stringify(moved)).toBe(JSON.stringify(genericShift(d, place)));
          decls++;
        }
        for (const x of [...program.comments, ...problems]) expect(shiftSpanned(x, place)).toStrictEqual(genericShift(x, place));
      }
    }
    expect(decls).toBeGreaterThan(100);
  });

  it('keeps a reference and its name sharing one span, and never changes the original', () => {
    const { program } = parse('output o = x', 'a.m4');
    const before = JSON.stringify(program);
    const moved = shiftDecl(program.decls[0]!, { offset: 10, line: 2, column: 0 });
    expect(JSON.stringify(program)).toBe(before);
    const e = moved.kind === 'output' ? moved.expr : undefined;
    expect(e?.kind).toBe('ref');
    if (e?.kind === 'ref') {
      expect(e.span).toBe(e.name.span);
      expect(e.span).toMatchObject({ start: 21, end: 22, line: 3, column: 12 });
    }
  });
});
