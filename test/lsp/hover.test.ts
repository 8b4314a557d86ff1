/**
 * Hover: types and shapes of values, ONNX signatures, op docs and parameters, metric definitions, compare
 * words — with the cursor anywhere on the name, and nothing on whitespace or unknown names.
 */
import { describe, expect, it } from 'vitest';
import { hover } from '../../lsp/hover.ts';
import { at, BASE, edit } from './lsp-helpers.ts';

function hoverText(src: string): string | undefined {
  const { a, offset } = at(src);
  const h = hover(a, offset);
  if (!h) return undefined;
  return typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : undefined;
}

describe('hover', () => {
  it("shows a node's dtype and shape on its declaration and on every use", () => {
    expect(hoverText(edit('node s =', 'node |s ='))).toContain('node s: f32[batch, 4]');
    expect(hoverText(edit('v1(x: s)', 'v1(x: s|)'))).toContain('node s: f32[batch, 4]');
    expect(hoverText(edit('node c =', 'node c| ='))).toContain('node c: f32[batch]');
  });

  it("shows an input's type and where it is read from", () => {
    const text = hoverText(edit('input label:', 'input la|bel:'));
    expect(text).toContain('input label: i64[batch]');
    expect(text).toContain('field `label`');
  });

  it("shows a model's ONNX signature on the model, its calls and its path", () => {
    for (const src of [edit('model v1 =', 'model v|1 ='), edit('v1(x: s)', 'v|1(x: s)'), edit('"models/binary.onnx"', '"models/bi|nary.onnx"')]) {
      const text = hoverText(src)!;
      expect(text).toContain('x: f32[N, 4]');
      expect(text).toContain('probabilities: f32[N, 2]');
      expect(text).toContain('label: i64[N]');
      expect(text).toMatch(/opset \d+/);
    }
    expect(hoverText(edit('v1(x: s)', 'v|1(x: s)'))).toContain('this call: { label: i64[batch], probabilities: f32[batch, 2] }');
  });

  it("shows an op's documentation, parameters and the call's result type", () => {
    const text = hoverText(edit('column(v1', 'col|umn(v1'))!;
    expect(text).toContain('column(x, index: integer) → f32[batch]');
    expect(text).toContain('Select one position along the last axis');
    expect(text).toContain('`index` (integer, required)');
    expect(text).toContain('Example: `node score = column(probabilities, index: 1)`');
  });

  it("shows an op parameter's schema and an ONNX input's type on argument names", () => {
    expect(hoverText(edit('index: 1)\nnode t', 'ind|ex: 1)\nnode t'))).toContain('Position along the last axis');
    expect(hoverText(edit('mean: 0.0', 'me|an: 0.0'))).toMatch(/mean: number/);
    expect(hoverText(edit('v1(x: s)', 'v1(|x: s)'))).toContain('x: f32[N, 4]');
  });

  it("shows a selected output's type", () => {
    const text = hoverText(edit('v1(x: s).probabilities', 'v1(x: s).proba|bilities'));
    expect(text).toContain('probabilities: f32[batch, 2]');
    expect(text).toContain('ONNX output of model `v1`');
  });

  it("shows a metric's definition in metrics lists and gates", () => {
    expect(hoverText(edit('[accuracy,', '[accu|racy,'))).toContain('Fraction of rows predicted correctly');
    const gate = hoverText(edit('gate auroc.delta', 'gate aur|oc.delta'))!;
    expect(gate).toContain('metric auroc');
    expect(gate).toContain('needs `label:`');
    expect(hoverText(edit('gate auroc.delta', 'gate auroc.del|ta'))).toContain('treatment − control');
  });

  it('explains compare fields, tasks, sinks and dtypes', () => {
    expect(hoverText(edit('  task:', '  t|ask:'))).toContain('binary(threshold: 0.5)');
    expect(hoverText(edit('  control: c', '  cont|rol: c'))).toContain('control: f32[batch]');
    expect(hoverText(edit('task: binary', 'task: bin|ary'))).toContain('`>= threshold`');
    expect(hoverText(edit('sink sqlite', 'sink sq|lite'))).toContain('SQLite');
    expect(hoverText(edit('input x: f32', 'input x: f|32'))).toContain('32-bit float');
  });

  it('summarises a comparison on its name', () => {
    const text = hoverText(edit('compare ab', 'compare a|b'))!;
    expect(text).toContain('compare ab: binary(threshold: 0.5)');
    expect(text).toContain('`auroc.delta >= -0.01`');
  });

  it('answers nothing on whitespace, keywords, comments and unknown names', () => {
    expect(hoverText(edit('node s =', '|node s ='))).toBeUndefined();
    expect(hoverText(`${BASE}\n// a comm|ent\n`)).toBeUndefined();
    expect(hoverText(edit('output o = t', 'output o = nosu|ch'))).toBeUndefined();
    expect(hoverText(edit('compare ab {', 'compare ab { |'))).toBeUndefined();
  });

  it('still answers in a file with errors, for what could be checked', () => {
    const src = 'input x: f32[batch, 4]\nnode a = sigmoid(x)\nnode b = nosuch(a\nnode c = sig|moid(a)\n';
    expect(hoverText(src)).toContain('sigmoid(x) → f32[batch, 4]');
  });
});
