/**
 * Text emission: alignment, comments, names; and the emitted text is already in `m4c fmt`'s layout.
 */
import { describe, expect, it } from 'vitest';
import { commentLines, emitDraft, COMMENT_WIDTH } from '../../cli/init/emit-text.ts';
import { item, type Draft } from '../../cli/init/graph-draft.ts';
import { isPlainName, NameAllocator, toIdentifier, writeName, writeString } from '../../cli/init/m4-names.ts';
import { formatSource } from '../../compiler/format.ts';

const draft: Draft = {
  header: ['A test graph.', '', '  m4c run t.m4'],
  groups: [
    {
      leading: [],
      items: [
        item({ kind: 'input', name: 'tx', type: 'f32[batch, 30]', optional: false, from: '"payload.tx"' }, 'features'),
        item({ kind: 'input', name: 'label', type: 'i64[batch]', optional: true, from: null }, 'labels'),
      ],
    },
    { leading: [], items: [item({ kind: 'replay', path: '"data/r.jsonl"' })] },
    {
      leading: [],
      items: [
        item({ kind: 'model', name: 'v1', path: '"m/v1.onnx"' }, 'control'),
        item({ kind: 'model', name: 'v2_long', path: '"m/v2.onnx"' }, 'treatment'),
      ],
    },
    {
      leading: ['The signals.'],
      items: [
        item({ kind: 'node', name: 'control', expr: 'column(v1(x: tx).probabilities, index: 1)' }),
        item({ kind: 'node', name: 'treatment', expr: 'column(v2_long(x: tx).probabilities, index: 1)' }),
      ],
    },
    {
      leading: [],
      items: [
        item({
          kind: 'compare',
          name: 'ab',
          fields: [
            ['control', 'control'],
            ['treatment', 'treatment'],
            ['label', 'label'],
            ['task', 'binary(threshold: 0.5)'],
          ],
          gates: [
            { text: 'auroc.delta >= -0.01 at 95%', comment: 'non-inferiority' },
            { text: 'agreement >= 0.9', comment: null },
          ],
          sinks: ['sqlite("results/ab.db")'],
        }),
      ],
    },
    { leading: [], items: [item({ kind: 'output', name: 'score', expr: 'control' })] },
  ],
};

describe('emitDraft', () => {
  it('aligns names, values and trailing comments the way m4c fmt does', () => {
    expect(emitDraft(draft)).toBe(`// A test graph.
//
//   m4c run t.m4

input tx:    f32[batch, 30] from "payload.tx" // features
input label: i64[batch] optional              // labels

replay "data/r.jsonl"

model v1      = onnx("m/v1.onnx") // control
model v2_long = onnx("m/v2.onnx") // treatment

// The signals.
node control   = column(v1(x: tx).probabilities, index: 1)
node treatment = column(v2_long(x: tx).probabilities, index: 1)

compare ab {
  control:   control
  treatment: treatment
  label:     label
  task:      binary(threshold: 0.5)
  gate auroc.delta >= -0.01 at 95% // non-inferiority
  gate agreement >= 0.9
  sink sqlite("results/ab.db")
}

output score = control
`);
  });

  it('is a fixed point of the formatter', () => {
    const text = emitDraft(draft);
    const f = formatSource(text, 't.m4');
    expect(f.ok && f.text).toBe(text);
  });
});

describe('commentLines', () => {
  it('wraps at word boundaries within the width, keeps indented lines and blank ones', () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const lines = commentLines(long, '');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) {
      expect(l.startsWith('// ')).toBe(true);
      expect(l.length).toBeLessThanOrEqual(COMMENT_WIDTH);
    }
    expect(lines.join(' ').replace(/\/\/ /g, '')).toBe(long);
    expect(commentLines('', '')).toEqual(['//']);
    expect(commentLines('  m4c run a.m4', '')).toEqual(['//   m4c run a.m4']);
    expect(commentLines('a\nb', '')).toEqual(['// a b']);
  });
});

describe('names', () => {
  it('quotes what is not an identifier or is a keyword', () => {
    expect(writeName('x')).toBe('x');
    expect(writeName('onnx::Flatten_0')).toBe('`onnx::Flatten_0`');
    expect(writeName('39')).toBe('`39`');
    expect(writeName('input')).toBe('`input`');
    expect(isPlainName('label')).toBe(true);
    expect(writeString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('makes identifiers from file stems and allocates unique names', () => {
    expect(toIdentifier('fraud-v1', 'm')).toBe('fraud_v1');
    expect(toIdentifier('2024.model', 'm')).toBe('m_2024_model');
    expect(toIdentifier('---', 'fallback')).toBe('fallback');
    expect(toIdentifier('model', 'm')).toBe('model_');
    const names = new NameAllocator();
    expect(names.reserve('x')).toBe(true);
    expect(names.reserve('x')).toBe(false);
    expect(names.allocate('x')).toBe('x_2');
    expect(names.allocate('score')).toBe('score');
  });
});
