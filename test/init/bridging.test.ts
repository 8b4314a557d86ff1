/**
 * Bridging two models' signatures: inputs shared, renamed, cast or reshaped; signals aligned.
 */
import { describe, expect, it } from 'vitest';
import type { OnnxSignature } from '../../compiler/onnx-signature.ts';
import { applySignalSteps, inputSteps, modelCall, pairInputs, pairSignals } from '../../cli/init/bridging.ts';
import { NameAllocator } from '../../cli/init/m4-names.ts';
import { inferSignal, type SignalChoice } from '../../cli/init/task-inference.ts';
import type { DType, Dim } from '../../plan/tensor-type.ts';

function sig(inputs: [string, DType, Dim[]][], outputs: [string, DType, Dim[]][] = [['probabilities', 'f32', ['N', 2]]]): OnnxSignature {
  const vi = ([name, dtype, dims]: [string, DType, Dim[]]) => ({ name, type: { dtype, dims }, onnxElemType: 1 });
  return { inputs: inputs.map(vi), outputs: outputs.map(vi), unsupportedOutputs: [], opset: 17, opsets: { '': 17 }, irVersion: 8 };
}

function choice(s: OnnxSignature): SignalChoice {
  const c = inferSignal(s);
  if ('problem' in c) throw new Error(c.problem);
  return c;
}

describe('inputSteps', () => {
  const t = (dtype: DType, ...dims: Dim[]) => ({ dtype, dims: ['batch', ...dims] as Dim[] });
  it('no op for equal types (symbolic and unknown dims fit anything)', () => {
    expect(inputSteps(t('f32', 4), t('f32', 4))).toEqual([]);
    expect(inputSteps(t('f32', null), t('f32', 4))).toEqual([]);
  });
  it('cast for another numeric dtype, expand_dims / squeeze for [N] against [N, 1]', () => {
    expect(inputSteps(t('f32', 4), t('f64', 4))).toEqual([{ op: 'cast', to: 'f64' }]);
    expect(inputSteps(t('f32'), t('f32', 1))).toEqual([{ op: 'expand_dims' }]);
    expect(inputSteps(t('i64', 1), t('f32'))).toEqual([{ op: 'squeeze' }, { op: 'cast', to: 'f32' }]);
  });
  it('nothing bridges other widths, ranks or text to numbers', () => {
    expect(inputSteps(t('f32', 4), t('f32', 5))).toBeNull();
    expect(inputSteps(t('f32', 4), t('f32', 2, 2))).toBeNull();
    expect(inputSteps(t('str'), t('f32'))).toBeNull();
  });
  it('keeps the leading positions of a longer non-last axis (frames), never of the feature axis', () => {
    const seq = (n: number) => ({ dtype: 'f32' as const, dims: ['batch', n, 96] });
    expect(inputSteps(seq(25), seq(24))).toEqual([{ op: 'slice', axis: 1, end: 24, of: 25 }]);
    expect(inputSteps(seq(24), seq(25))).toBeNull();
    expect(inputSteps(t('f32', 30), t('f32', 4))).toBeNull();
  });
});

describe('pairInputs', () => {
  it('shares a same-named input', () => {
    const p = pairInputs(sig([['x', 'f32', ['N', 4]]]), sig([['x', 'f32', ['batch_size', 4]]]), 'v2', new NameAllocator());
    expect(p.inputs.map((g) => g.name)).toEqual(['x']);
    expect(p.candidateFeeds).toEqual([['x', 'x']]);
    expect(p.bridges).toEqual([]);
  });

  it('feeds a renamed input from the control input of the same shape, and says so', () => {
    const p = pairInputs(sig([['x', 'f32', ['N', 4]]]), sig([['float_input', 'f32', ['N', 4]]]), 'v2', new NameAllocator());
    expect(p.inputs.map((g) => g.name)).toEqual(['x']);
    expect(p.candidateFeeds).toEqual([['float_input', 'x']]);
    expect(p.notes).toEqual(["v2's input `float_input` is fed `x`: the models name the same data differently."]);
  });

  it('a renamed input with a field of its own in the data gets its own graph input', () => {
    const p = pairInputs(sig([['x', 'f32', ['N', 4]]]), sig([['extra', 'f32', ['N', 4]]]), 'v2', new NameAllocator(), (name) => name === 'extra');
    expect(p.inputs.map((g) => [g.name, g.origin])).toEqual([
      ['x', 'control'],
      ['extra', 'candidate'],
    ]);
  });

  it('casts for f64 and reshapes [N, 1] → [N] through bridge nodes', () => {
    const p = pairInputs(
      sig([
        ['x', 'f32', ['N', 4]],
        ['amount', 'f32', ['N', 1]],
      ]),
      sig([
        ['x', 'f64', ['N', 4]],
        ['amount', 'f32', ['N']],
      ]),
      'v2',
      new NameAllocator(),
    );
    expect(p.bridges).toEqual([
      { name: 'x_f64', expr: 'cast(x, to: "f64")', comment: 'v2 takes `x` as f64[N, 4]' },
      { name: 'amount_values', expr: 'squeeze(amount)', comment: 'v2 takes `amount` as f32[N]' },
    ]);
    expect(p.candidateFeeds).toEqual([
      ['x', 'x_f64'],
      ['amount', 'amount_values'],
    ]);
  });

  it('flags a same-named input whose width differs, feeding it as is', () => {
    const p = pairInputs(sig([['x', 'f32', ['N', 4]]]), sig([['x', 'f32', ['N', 5]]]), 'v2', new NameAllocator());
    expect(p.candidateFeeds).toEqual([['x', 'x']]);
    expect(p.unbridged).toEqual(['`x`: f32[batch, 4] for the control, f32[batch, 5] for the candidate']);
  });

  it('keeps ONNX names that are not identifiers, quoted', () => {
    const p = pairInputs(sig([['onnx::Flatten_0', 'f32', ['N', 4]]]), sig([['x', 'f32', ['N', 4]]]), 'v2', new NameAllocator());
    expect(p.controlFeeds).toEqual([['onnx::Flatten_0', '`onnx::Flatten_0`']]);
    expect(modelCall('v1', p.controlFeeds, '39')).toBe('v1(`onnx::Flatten_0`: `onnx::Flatten_0`).`39`');
    expect(p.candidateFeeds).toEqual([['x', '`onnx::Flatten_0`']]);
  });
});

describe('pairSignals', () => {
  it('two-column probabilities against one score column: both become one score per row', () => {
    const s = pairSignals(choice(sig([['x', 'f32', ['N', 4]]])), choice(sig([['x', 'f32', ['N', 4]]], [['score', 'f32', ['N', 1]]])), 'v2');
    expect(s).toMatchObject({ task: 'binary', unbridged: null, controlSteps: [{ op: 'column', index: 1 }], candidateSteps: [{ op: 'squeeze' }] });
  });

  it('widens the f32 signal when the other is f64', () => {
    const s = pairSignals(choice(sig([], [['probabilities', 'f32', ['N', 2]]])), choice(sig([], [['probabilities', 'f64', ['N', 2]]])), 'v2');
    expect(applySignalSteps('c', s.controlSteps)).toBe('cast(column(c, index: 1), to: "f64")');
    expect(s.candidateSteps).toEqual([{ op: 'column', index: 1 }]);
  });

  it('flags different class counts and a classifier against a regressor', () => {
    expect(pairSignals(choice(sig([], [['p', 'f32', ['N', 3]]])), choice(sig([], [['p', 'f32', ['N', 4]]])), 'v2').unbridged).toBe(
      'the control has 3 classes, the candidate 4',
    );
    expect(pairSignals(choice(sig([], [['p', 'f32', ['N', 3]]])), choice(sig([], [['variable', 'f32', ['N']]])), 'v2').unbridged).toBe(
      "the control's signal is multiclass, the candidate's is regression",
    );
  });

  it('a one-value candidate read as the other one-value task follows the control', () => {
    const s = pairSignals(choice(sig([], [['variable', 'f32', ['N']]])), choice(sig([], [['score', 'f32', ['N']]])), 'v2');
    expect(s).toMatchObject({ task: 'regression', unbridged: null });
    expect(s.notes[0]).toContain('read as a regression signal too');
  });
});
