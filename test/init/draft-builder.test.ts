/**
 * Choices the generator makes between two models and a sample that the golden texts do not pin down:
 * shared fields, candidate-only inputs, labels without data or with text values.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDraft, generateInit, type InitOptions } from '../../cli/init/generate.ts';
import { item, type Draft } from '../../cli/init/graph-draft.ts';
import { OnnxModelBuilder, logisticRegressionModel } from '../../tools/onnx-build.ts';
import { onnxFixtureParams } from '../support/onnx-fixtures.ts';
import { makeInitWorkspace, type InitWorkspace } from './support/init-workspace.ts';

let ws: InitWorkspace;
beforeAll(() => {
  ws = makeInitWorkspace('m4-init-draft-');
  logisticRegressionModel({ ...onnxFixtureParams.binary, inputName: 'X' }).writeModel(join(ws.dir, 'models/upperX.onnx'));
  // Two inputs: the same `x` as `binary`, plus a `bonus` column only this model reads.
  const b = new OnnxModelBuilder({ graphName: 'extra_input' });
  const x = b.concat([b.input('x', 'f32', ['N', 4]), b.input('bonus', 'f32', ['N', 1])], 1);
  b.sigmoid(b.gemm(x, b.constF32([...onnxFixtureParams.binary.weights, 0.5], [5, 1], 'W'), b.constF32([0], [1], 'B')), 'score');
  b.output('score', 'f32', ['N', 1]);
  b.writeModel(join(ws.dir, 'models/extraInput.onnx'));
  const rows = Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({ x: [i, 1, 2, 3], bonus: i / 10, label: i % 2, verdict: i % 2 ? 'fraud' : 'ok' }),
  );
  writeFileSync(join(ws.dir, 'data/bonus.jsonl'), `${rows.join('\n')}\n`);
});

async function text(o: Omit<InitOptions, 'cwd' | 'output'>): Promise<string> {
  const r = await generateInit({ ...o, output: 'out.m4', cwd: ws.dir });
  if (!r.ok) throw new Error(r.message);
  expect(r.todos).toEqual([]);
  return r.text;
}

describe('generateInit', () => {
  it('inputs named alike up to case read one field, once', async () => {
    const t = await text({ model: 'models/binary.onnx', candidate: 'models/upperX.onnx', data: 'data/x4.jsonl' });
    expect(t).toMatch(/^input x: +f32\[batch, 4\]\n/m);
    expect(t).not.toMatch(/^input X/m);
    expect(t).toContain('upperX(X: x)');
  });

  it('an input only the candidate reads becomes a graph input mapped to its own field', async () => {
    const t = await text({ model: 'models/binary.onnx', candidate: 'models/extraInput.onnx', data: 'data/bonus.jsonl' });
    expect(t).toMatch(/^input bonus: +f32\[batch, 1\] from \["bonus"\] +\/\/ only extraInput reads this input$/m);
    expect(t).toContain('extraInput(x: x, bonus: bonus)');
  });

  it('--label without --data declares the label from that field; a text label field is not a label', async () => {
    const withFlag = await text({ model: 'models/binary.onnx', candidate: 'models/mlp.onnx', label: 'is_fraud' });
    expect(withFlag).toMatch(/^input is_fraud: +i64\[batch\] optional/m);
    expect(withFlag).toContain('gate auroc.delta >= -0.01 at 95%');

    const rows = Array.from({ length: 10 }, (_, i) => JSON.stringify({ x: [i, 1, 2, 3], label: i % 2 ? 'fraud' : 'ok' }));
    writeFileSync(join(ws.dir, 'data/text-label.jsonl'), `${rows.join('\n')}\n`);
    const textLabel = await text({ model: 'models/binary.onnx', candidate: 'models/mlp.onnx', data: 'data/text-label.jsonl' });
    expect(textLabel).not.toMatch(/^input label/m);
    expect(textLabel).toContain('metrics:   [agreement, flips_to_positive, flips_to_negative, mean_abs_diff, pearson, psi]');
  });
});

describe('checkDraft', () => {
  const draft = (unbridged: boolean): Draft => ({
    header: [],
    groups: [
      { leading: [], items: [item({ kind: 'input', name: 'x', type: 'f32[batch, 4]', optional: false, from: null })] },
      { leading: [], items: [item({ kind: 'output', name: 'y', expr: 'sigmoid(column(x, index: 9))' }, null, unbridged)] },
    ],
  });

  it('an error where none was expected is a bug: exit 3 with the diagnostics and the text, nothing to write', () => {
    const r = checkDraft(draft(false), join(ws.dir, 'bug.m4'), join(ws.dir, 'bug.m4'));
    expect(r).toMatchObject({ ok: false, exit: 3, message: expect.stringContaining('internal error: the generated file does not compile') });
    if (!r.ok) expect(r.details).toContain('output y = sigmoid(column(x, index: 9))');
  });

  it('an error in a flagged declaration becomes a TODO quoting the compiler, just above it', () => {
    const r = checkDraft(draft(true), join(ws.dir, 'todo.m4'), null);
    if (!r.ok) throw new Error(r.message);
    expect(r.todos).toHaveLength(1);
    const lines = r.text.split('\n');
    const at = r.todos[0]!.line - 1;
    expect(lines[at]).toBe('output y = sigmoid(column(x, index: 9))');
    const todo = lines.findIndex((l) => l.startsWith('// TODO(m4 init): the compiler says error['));
    expect(todo).toBeGreaterThanOrEqual(0);
    expect(lines.slice(todo, at).every((l) => l.startsWith('//'))).toBe(true);
    expect(lines.slice(todo, at).join(' ')).toContain(r.todos[0]!.diagnostic.slice(0, 40));
  });
});
