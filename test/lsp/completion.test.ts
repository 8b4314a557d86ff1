/**
 * Completion in every context, on incomplete text as it is typed (the cursor is often where the file
 * stops parsing).
 */
import { describe, expect, it } from 'vitest';
import { complete, completionList, MAX_COMPLETION_ITEMS } from '../../lsp/completion.ts';
import { at, BASE, edit } from './lsp-helpers.ts';

function labels(src: string): string[] {
  const { a, offset } = at(src);
  return complete(a, offset).map((i) => i.label);
}

function items(src: string) {
  const { a, offset } = at(src);
  return complete(a, offset);
}

describe('completion', () => {
  it('offers names in scope, ops and models for a value, not the declaration being written', () => {
    const got = labels(edit('output o = t', 'output o = |'));
    expect(got).toEqual(expect.arrayContaining(['x', 'label', 's', 'c', 't', 'v1', 'v2', 'column', 'sigmoid', 'standardize']));
    expect(got).not.toContain('o');
    expect(got).not.toContain('ab'); // a comparison is not a value
    const s = items(edit('output o = t', 'output o = |')).find((i) => i.label === 's')!;
    expect(s.detail).toBe('node f32[batch, 4]');
  });

  it("offers an op's parameters from its schema inside its call, leaving out those already given", () => {
    const got = labels(edit('output o = t', 'output o = standardize(t, |'));
    expect(got).toEqual(expect.arrayContaining(['mean', 'std', 's']));
    // `mean` is also an op (a value here); as a parameter it is no longer offered.
    const params = items(edit('output o = t', 'output o = standardize(t, mean: 0.0, |'))
      .filter((i) => i.insertText?.endsWith(': '))
      .map((i) => i.label);
    expect(params).toEqual(['std', 'axis']);
    const index = items(edit('output o = t', 'output o = column(t, |')).find((i) => i.label === 'index')!;
    expect(index.insertText).toBe('index: ');
    expect(index.detail).toBe('integer (required)');
  });

  it('offers enum values of a parameter', () => {
    expect(labels(edit('output o = t', 'output o = cast(t, to: |'))).toEqual(['"f32"', '"f64"', '"i32"', '"i64"', '"bool"']);
  });

  it("offers the called model's unbound ONNX input names inside the call", () => {
    expect(labels(edit('output o = t', 'output o = v1(|'))).toEqual(['x']);
    expect(labels(edit('output o = t', 'output o = v1(x: s, |'))).toEqual([]);
    // Inside a model call nested in an op call.
    expect(labels(edit('output o = t', 'output o = column(v2(|'))).toEqual(['x']);
  });

  it('offers values for a model argument', () => {
    expect(labels(edit('output o = t', 'output o = v1(x: |'))).toEqual(expect.arrayContaining(['s', 'x']));
  });

  it("offers the model's output names after `).`, also while the name is being typed", () => {
    expect(labels(edit('output o = t', 'output o = v1(x: s).|')).sort()).toEqual(['label', 'probabilities']);
    expect(labels(edit('output o = t', 'output o = v1(x: s).pro|')).sort()).toEqual(['label', 'probabilities']);
    expect(items(edit('output o = t', 'output o = v1(x: s).|')).find((i) => i.label === 'probabilities')!.detail).toBe('f32[N, 2]');
  });

  it("offers the metrics valid for the comparison's task inside `metrics: [...]`, without those listed", () => {
    const got = labels(edit('metrics: [accuracy, auroc]', 'metrics: [accuracy, |'));
    expect(got).toEqual(expect.arrayContaining(['auprc', 'recall', 'f1', 'agreement']));
    expect(got).not.toContain('accuracy');
    expect(got).not.toContain('mae'); // regression only
    expect(got).not.toContain('top_k_accuracy'); // multiclass only
    const typing = labels(edit('metrics: [accuracy, auroc]', 'metrics: [accuracy, au|]'));
    expect(typing).toContain('auprc');
  });

  it('leaves out label-based metrics when the comparison has no label', () => {
    const src = edit('  label: label\n', '', edit('metrics: [accuracy, auroc]', 'metrics: [|'));
    const got = labels(src);
    expect(got).toContain('agreement');
    expect(got).not.toContain('accuracy');
  });

  it('offers regression metrics for a regression comparison', () => {
    const got = labels(edit('task: binary(threshold: 0.5)', 'task: regression', edit('metrics: [accuracy, auroc]', 'metrics: [|')));
    expect(got).toEqual(expect.arrayContaining(['mae', 'rmse', 'r2']));
    expect(got).not.toContain('auroc');
  });

  it('offers compare fields not yet given, gate and sink at the start of an item', () => {
    const got = labels(edit('  gate auroc', '  |\n  gate auroc'));
    expect(got).toEqual(expect.arrayContaining(['bootstrap', 'seed', 'confidence', 'max_slices', 'gate', 'sink']));
    expect(got).not.toContain('control');
    expect(got).not.toContain('task');
    const empty = labels('compare ab {\n  |\n}\n');
    expect(empty).toEqual(expect.arrayContaining(['control', 'treatment', 'label', 'task', 'metrics', 'slice_by']));
  });

  it('offers metrics, then delta/ratio, in gates', () => {
    const first = labels(edit('  gate auroc.delta >= -0.01', '  gate |'));
    expect(first).toEqual(expect.arrayContaining(['auroc', 'recall', 'agreement', 'control', 'treatment']));
    expect(first).not.toContain('confusion_matrix');
    expect(labels(edit('  gate auroc.delta >= -0.01', '  gate auroc.|'))).toEqual(['delta', 'ratio']);
    expect(labels(edit('  gate auroc.delta >= -0.01', '  gate agreement.|'))).toEqual([]);
    const side = labels(edit('  gate auroc.delta >= -0.01', '  gate treatment.|'));
    expect(side).toContain('auroc');
    expect(side).not.toContain('agreement'); // compares the two models: no per-model value
  });

  it('offers tasks, values of signal fields, and sinks', () => {
    expect(labels(edit('  task: binary(threshold: 0.5)', '  task: |'))).toEqual(['binary', 'multiclass', 'regression']);
    expect(items(edit('  task: binary(threshold: 0.5)', '  task: |'))[0]!.insertText).toBe('binary(threshold: 0.5)');
    expect(labels(edit('  control: c', '  control: |'))).toEqual(expect.arrayContaining(['c', 't', 'column']));
    expect(labels(edit('  sink sqlite("results/ab.db")', '  sink |'))).toEqual(['sqlite', 'jsonl', 'postgres']);
  });

  it('offers declaration keywords at the start of a line, and dtypes, dims and modifiers in inputs', () => {
    expect(labels(`${BASE}|`)).toEqual(['input', 'model', 'node', 'output', 'compare', 'replay']);
    expect(labels(`${BASE}no|`)).toContain('node');
    expect(labels('|')).toContain('compare');
    expect(labels(edit('input label: i64', 'input label: |'))).toEqual(['f32', 'f64', 'i32', 'i64', 'bool', 'str', 'bytes']);
    expect(labels(`${BASE}input y: f32[|`)).toContain('batch');
    expect(labels(`${BASE}input y: f32[batch] |`)).toEqual(['optional', 'from']);
    expect(labels(`${BASE}model v3 = |`)).toEqual(['onnx']);
  });

  it('offers nothing in comments, strings, or where a new name is being written', () => {
    expect(labels(`${BASE}// node a = |`)).toEqual([]);
    expect(labels(`${BASE}model m = onnx("mod|`)).toEqual([]);
    expect(labels(`${BASE}node |`)).toEqual([]);
    expect(labels(`${BASE}compare |`)).toEqual([]);
  });
});

describe('completion in a very large document', () => {
  // 3,000 nodes: more candidates than one answer holds.
  const decls = ['input x: f32[batch, 4]'];
  for (let i = 0; i < 3000; i++)
    decls.push(`node ${i % 2 ? 'alpha' : 'beta'}${i} = sigmoid(${i === 0 ? 'x' : `${(i - 1) % 2 ? 'alpha' : 'beta'}${i - 1}`})`);

  it('answers at most 500 items, marked incomplete, ranked by the typed word and nearness', () => {
    const src = `${decls.slice(0, 1501).join('\n')}\noutput o = alp|\n${decls.slice(1501).join('\n')}\n`;
    const { a, offset } = at(src);
    const list = completionList(a, offset);
    expect(list.isIncomplete).toBe(true);
    expect(list.items).toHaveLength(MAX_COMPLETION_ITEMS);
    // Every kept name starts with the word, and the nearest declarations above the cursor come first.
    expect(list.items.every((i) => i.label.startsWith('alp'))).toBe(true);
    expect(list.items.slice(0, 3).map((i) => i.label)).toEqual(['alpha1499', 'alpha1497', 'alpha1495']);
    // The editor keeps this order: sortText follows the ranking.
    const sorted = [...list.items].sort((p, q) => (p.sortText! < q.sortText! ? -1 : 1));
    expect(sorted.map((i) => i.label)).toEqual(list.items.map((i) => i.label));
    expect(list.items[0]!.detail).toBe('node f32[batch, 4]');
  });

  it('keeps the full list, unranked, when it fits', () => {
    const { a, offset } = at(edit('output o = t', 'output o = |'));
    expect(completionList(a, offset).isIncomplete).toBe(false);
  });
});
