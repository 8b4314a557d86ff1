/**
 * Document symbols (the outline) and folding ranges.
 */
import { describe, expect, it } from 'vitest';
import { FoldingRangeKind, SymbolKind } from 'vscode-languageserver';
import { documentSymbols, foldingRanges } from '../../lsp/outline.ts';
import { analysisOf, BASE } from './lsp-helpers.ts';

describe('document symbols', () => {
  it('lists inputs, models, nodes, comparisons (with fields, gates, sinks) and outputs with their types', () => {
    const syms = documentSymbols(analysisOf(BASE));
    expect(syms.map((s) => [s.name, s.kind, s.detail])).toEqual([
      ['x', SymbolKind.Variable, 'f32[batch, 4]'],
      ['label', SymbolKind.Variable, 'i64[batch]'],
      ['region', SymbolKind.Variable, 'str[batch]'],
      ['v1', SymbolKind.Module, 'models/binary.onnx'],
      ['v2', SymbolKind.Module, 'models/mlp.onnx'],
      ['s', SymbolKind.Function, 'f32[batch, 4]'],
      ['c', SymbolKind.Function, 'f32[batch]'],
      ['t', SymbolKind.Function, 'f32[batch]'],
      ['ab', SymbolKind.Class, 'binary'],
      ['o', SymbolKind.Event, 'f32[batch]'],
    ]);
    const ab = syms.find((s) => s.name === 'ab')!;
    expect(ab.range.start.line).toBe(8);
    expect(ab.range.end.line).toBe(17);
    expect(ab.children!.map((c) => c.name)).toEqual([
      'control',
      'treatment',
      'label',
      'task',
      'metrics',
      'slice_by',
      'gate auroc.delta >= -0.01',
      'sink sqlite',
    ]);
    expect(ab.children![0]!.detail).toBe('f32[batch]');
  });

  it('lists what parsed in a file with syntax errors', () => {
    const syms = documentSymbols(analysisOf('input x: f32[b]\nnode a = sigmoid(\nnode b = sigmoid(x)\nreplay "r.jsonl"\n'));
    expect(syms.map((s) => s.name)).toEqual(['x', 'a', 'b', 'replay r.jsonl']);
  });
});

describe('folding ranges', () => {
  it('folds compare blocks, multi-line declarations, block comments and runs of line comments', () => {
    const src = `// one\n// two\n// three\n/* a\n   block */\n${BASE}node long = concat(\n  x,\n  x\n)\n// alone\n`;
    const ranges = foldingRanges(analysisOf(src));
    expect(ranges).toEqual([
      { startLine: 0, endLine: 2, kind: FoldingRangeKind.Comment },
      { startLine: 3, endLine: 4, kind: FoldingRangeKind.Comment },
      { startLine: 13, endLine: 22 },
      { startLine: 24, endLine: 27 },
    ]);
  });
});
