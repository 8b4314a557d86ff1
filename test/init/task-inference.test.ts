/**
 * Task inference from output signatures: which output is the signal, which task, which ops.
 */
import { describe, expect, it } from 'vitest';
import type { OnnxSignature } from '../../compiler/onnx-signature.ts';
import { inferSignal, type LabelHint, type SignalChoice } from '../../cli/init/task-inference.ts';
import type { DType, Dim } from '../../plan/tensor-type.ts';

function sig(outputs: [string, DType, Dim[]][], unsupported: [string, string][] = []): OnnxSignature {
  return {
    inputs: [{ name: 'x', type: { dtype: 'f32', dims: ['N', 4] }, onnxElemType: 1 }],
    outputs: outputs.map(([name, dtype, dims]) => ({ name, type: { dtype, dims }, onnxElemType: 1 })),
    unsupportedOutputs: unsupported.map(([name, reason]) => ({ name, reason })),
    opset: 17,
    opsets: { '': 17 },
    irVersion: 8,
  };
}

function choose(s: OnnxSignature, hint?: LabelHint): SignalChoice {
  const c = inferSignal(s, hint);
  if ('problem' in c) throw new Error(c.problem);
  return c;
}

describe('inferSignal', () => {
  it('one score column → binary, squeezed', () => {
    const c = choose(sig([['score', 'f32', ['N', 1]]]));
    expect(c).toMatchObject({ task: 'binary', steps: [{ op: 'squeeze' }], dtype: 'f32' });
    expect(c.reason).toMatch(/^binary, from `score` f32\[N, 1\]: one score column/);
  });

  it('two-column probabilities → binary on column 1; the int64 label next to them is skipped and mentioned', () => {
    const c = choose(
      sig([
        ['label', 'i64', ['N']],
        ['probabilities', 'f32', ['N', 2]],
      ]),
    );
    expect(c.output.name).toBe('probabilities');
    expect(c).toMatchObject({ task: 'binary', steps: [{ op: 'column', index: 1 }] });
    expect(c.reason).toContain('column 1 is the positive class');
    expect(c.reason).toContain('the `label` i64[N] output is a predicted class');
  });

  it('k ≥ 3 columns → multiclass with k classes; an unknown k is multiclass too', () => {
    expect(choose(sig([['probabilities', 'f32', ['N', 5]]]))).toMatchObject({ task: 'multiclass', classes: 5, steps: [] });
    expect(choose(sig([['probs', 'f32', ['N', null]]]))).toMatchObject({ task: 'multiclass', classes: null });
  });

  it('a float value named like a regression → regression', () => {
    for (const name of ['variable', 'value', 'prediction', 'predicted_price']) {
      expect(choose(sig([[name, 'f32', ['N']]])).task).toBe('regression');
    }
    expect(choose(sig([['variable', 'f64', ['N', 1]]]))).toMatchObject({ task: 'regression', steps: [{ op: 'squeeze' }], dtype: 'f64' });
  });

  it('f32[N] named like a probability or score → binary', () => {
    expect(choose(sig([['fraud_probability', 'f32', ['N']]])).task).toBe('binary');
    expect(choose(sig([['risk_score', 'f32', ['N']]])).task).toBe('binary');
  });

  it('an unnamed value per row follows the sample labels, else [N] is a value and [N, 1] a score', () => {
    expect(choose(sig([['out', 'f32', ['N']]])).task).toBe('regression');
    expect(choose(sig([['out', 'f32', ['N']]]), { labels: 'binary' }).task).toBe('binary');
    expect(choose(sig([['out', 'f32', ['N', 1]]])).task).toBe('binary');
    expect(choose(sig([['out', 'f32', ['N', 1]]]), { labels: 'values' }).task).toBe('regression');
  });

  it('prefers probabilities over logits over hidden features', () => {
    const c = choose(
      sig([
        ['embedding', 'f32', ['N', 8]],
        ['logits', 'f32', ['N', 3]],
        ['probabilities', 'f32', ['N', 3]],
        ['label', 'i64', ['N']],
      ]),
    );
    expect(c.output.name).toBe('probabilities');
    expect(
      choose(
        sig([
          ['embedding', 'f32', ['N', 8]],
          ['out', 'f32', ['N', 2]],
        ]),
      ).output.name,
    ).toBe('out');
  });

  it('logits go through softmax (k columns) or sigmoid (one)', () => {
    expect(choose(sig([['logits', 'f32', ['N', 3]]]))).toMatchObject({ task: 'multiclass', steps: [{ op: 'softmax' }] });
    expect(choose(sig([['logits', 'f32', ['N', 2]]]))).toMatchObject({ task: 'binary', steps: [{ op: 'softmax' }, { op: 'column', index: 1 }] });
    expect(choose(sig([['logit', 'f32', ['N', 1]]]))).toMatchObject({ task: 'binary', steps: [{ op: 'squeeze' }, { op: 'sigmoid' }] });
  });

  it('a ZipMap model: the predicted label is the only signal, cast to f32, with the reason', () => {
    const c = choose(sig([['output_label', 'i64', ['N']]], [['output_probability', 'is seq(map(int64,tensor(float))), not a tensor']]));
    expect(c).toMatchObject({ task: 'binary', hardLabels: true, steps: [{ op: 'cast', to: 'f32' }], dtype: 'f32' });
    expect(c.reason).toContain('`output_probability` is seq(map(int64,tensor(float)))');
    expect(c.reason).toContain('zipmap');
  });

  it('no usable output → a problem listing the outputs', () => {
    const r = inferSignal(
      sig([
        ['text', 'str', ['N']],
        ['cube', 'f32', ['N', 2, 2]],
      ]),
    );
    expect(r).toEqual({ problem: expect.stringContaining('`text` str[N]; `cube` f32[N, 2, 2]') });
  });
});
