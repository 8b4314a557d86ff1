/**
 * Go to definition, references, highlights and rename, from the resolve pass's symbol table.
 */
import { describe, expect, it } from 'vitest';
import { ResponseError } from 'vscode-languageserver';
import { definition, highlights, references } from '../../lsp/navigation.ts';
import { prepareRename, rename } from '../../lsp/rename.ts';
import { at, BASE, edit } from './lsp-helpers.ts';

/** The text each range covers. */
function texts(src: string, ranges: { start: { line: number; character: number }; end: { line: number; character: number } }[]): string[] {
  const { a } = at(src);
  return ranges.map((r) => a.doc.getText(r));
}

describe('definition', () => {
  it("goes from a use to the declaration's name", () => {
    const { a, offset } = at(edit('v1(x: s)', 'v1(x: |s)'));
    const def = definition(a, offset)!;
    expect(def.uri).toBe(a.uri);
    expect(def.range.start).toEqual({ line: 5, character: 5 });
    expect(a.doc.getText(def.range)).toBe('s');
  });

  it('goes from a model call, an ONNX argument name or a selected output to the model declaration', () => {
    for (const src of [edit('v1(x: s)', 'v|1(x: s)'), edit('v1(x: s)', 'v1(|x: s)'), edit('v1(x: s).probabilities', 'v1(x: s).prob|abilities')]) {
      const { a, offset } = at(src);
      const def = definition(a, offset)!;
      expect(def.range.start.line).toBe(3);
      expect(a.doc.getText(def.range)).toBe('v1');
    }
  });

  it('goes from a compare field value to the node it names', () => {
    const { a, offset } = at(edit('  control: c', '  control: |c'));
    expect(definition(a, offset)!.range.start.line).toBe(6);
  });

  it('has no definition for ops, metrics, unknown names and whitespace', () => {
    for (const src of [edit('column(v1', 'col|umn(v1'), edit('[accuracy', '[acc|uracy'), edit('output o = t', 'output o = nosu|ch'), `${BASE}\n|`]) {
      const { a, offset } = at(src);
      expect(definition(a, offset)).toBeNull();
    }
  });
});

describe('references and highlights', () => {
  it('finds every use of a node, with or without its declaration', () => {
    const src = edit('node s =', 'node |s =');
    const { a, offset } = at(src);
    const withDecl = references(a, offset, true);
    expect(withDecl.map((l) => l.range.start.line)).toEqual([5, 6, 7]);
    expect(
      texts(
        src,
        withDecl.map((l) => l.range),
      ),
    ).toEqual(['s', 's', 's']);
    expect(references(a, offset, false)).toHaveLength(2);
  });

  it('finds uses in compare blocks and outputs, from any use', () => {
    const { a, offset } = at(edit('output o = t', 'output o = |t'));
    expect(references(a, offset, true).map((l) => l.range.start.line)).toEqual([7, 10, 18]);
  });

  it('highlights the declaration as written and uses as read', () => {
    const { a, offset } = at(edit('model v1', 'model |v1'));
    expect(highlights(a, offset).map((h) => [h.range.start.line, h.kind])).toEqual([
      [3, 3],
      [6, 2],
    ]);
  });
});

describe('rename', () => {
  it('prepares on a symbol (declaration or use) and refuses elsewhere', () => {
    const { a, offset } = at(edit('v1(x: s)', 'v1(x: s|)'));
    expect(prepareRename(a, offset)).toEqual({ range: { start: { line: 6, character: 22 }, end: { line: 6, character: 23 } }, placeholder: 's' });
    for (const src of [
      edit('column(v1', 'col|umn(v1'),
      edit('[accuracy', '[acc|uracy'),
      edit('v1(x: s)', 'v1(|x: s)'),
      edit('  task:', '  ta|sk:'),
    ]) {
      const p = at(src);
      expect(prepareRename(p.a, p.offset), src.slice(p.offset - 10, p.offset + 10)).toBeNull();
    }
  });

  it('renames the declaration and every use', () => {
    const src = edit('node c =', 'node |c =');
    const { a, offset } = at(src);
    const edits = rename(a, offset, 'control_score')!.changes![a.uri]!;
    expect(edits.map((e) => e.range.start.line)).toEqual([6, 9]);
    expect(edits.every((e) => e.newText === 'control_score')).toBe(true);
  });

  it('renames a model through its calls', () => {
    const { a, offset } = at(edit('v2(x: s)', 'v|2(x: s)'));
    const edits = rename(a, offset, 'candidate')!.changes![a.uri]!;
    expect(edits.map((e) => e.range.start.line)).toEqual([4, 7]);
  });

  it('refuses invalid names, keywords, op names and names already declared', () => {
    const { a, offset } = at(edit('node c =', 'node |c ='));
    const refused = (name: string) => {
      try {
        rename(a, offset, name);
        return undefined;
      } catch (err) {
        expect(err).toBeInstanceOf(ResponseError);
        return (err as ResponseError<unknown>).message;
      }
    };
    expect(refused('2fast')).toContain('not a valid name');
    expect(refused('has space')).toContain('not a valid name');
    expect(refused('')).toContain('not a valid name');
    expect(refused('compare')).toContain('keyword');
    expect(refused('sigmoid')).toContain('stdlib op');
    expect(refused('t')).toContain('already declared (as a node, line 8)');
    expect(refused('label')).toContain('already declared (as an input');
    expect(refused('c')).toBeUndefined(); // the same name: a no-op rename
  });

  it('returns null where there is nothing to rename', () => {
    const { a, offset } = at(edit('column(v1', 'col|umn(v1'));
    expect(rename(a, offset, 'x2')).toBeNull();
  });
});
