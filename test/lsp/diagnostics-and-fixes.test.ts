/**
 * Compiler diagnostics as LSP diagnostics (codes, related locations, Unnecessary tags), the quick fixes
 * built from them, and document formatting.
 */
import { describe, expect, it } from 'vitest';
import { DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { formatSource } from '../../compiler/format.ts';
import { codeActions } from '../../lsp/code-actions.ts';
import { lspDiagnostics } from '../../lsp/diagnostics.ts';
import { formatDocument } from '../../lsp/formatting.ts';
import { analysisOf, at, BASE, edit } from './lsp-helpers.ts';

describe('diagnostics', () => {
  it('has no diagnostics for a correct file', () => {
    expect(lspDiagnostics(analysisOf(BASE))).toEqual([]);
  });

  it('carries the code, the range, the help line and the source', () => {
    const a = analysisOf(edit('v1(x: s)', 'v1(x: ss)'));
    const [d] = lspDiagnostics(a);
    expect(d).toMatchObject({
      code: 'M1001',
      severity: DiagnosticSeverity.Error,
      source: 'm4',
      range: { start: { line: 6, character: 22 }, end: { line: 6, character: 24 } },
    });
    expect(d!.message).toBe('unknown name `ss`\nhelp: did you mean `s`?');
  });

  it('gives related locations (where the other declaration or shape came from)', () => {
    const a = analysisOf(`${BASE}node s = sigmoid(x)\n`);
    const dup = lspDiagnostics(a).find((d) => d.code === 'M1002')!;
    expect(dup.relatedInformation).toEqual([
      { location: { uri: a.uri, range: { start: { line: 5, character: 5 }, end: { line: 5, character: 6 } } }, message: 'first declared here' },
    ]);
    const shapes = analysisOf('input x: f32[batch, 3]\nmodel v1 = onnx("models/binary.onnx")\noutput o = v1(x: x).label\n');
    const mismatch = lspDiagnostics(shapes).find((d) => d.code === 'M3003')!;
    expect(mismatch.relatedInformation?.[0]?.location.range.start.line).toBe(0);
    expect(mismatch.message).toContain('note: ');
  });

  it('tags unused declarations as unnecessary, with warning severity', () => {
    const a = analysisOf(`input unused: f32[batch]\n${BASE}`);
    const d = lspDiagnostics(a).find((x) => x.code === 'M1003')!;
    expect(d.severity).toBe(DiagnosticSeverity.Warning);
    expect(d.tags).toEqual([DiagnosticTag.Unnecessary]);
  });
});

describe('code actions', () => {
  it('applies a did-you-mean suggestion', () => {
    const { a } = at(edit('v1(x: s)', 'v1(x: ss|)'));
    const [fix] = codeActions(a, 0, a.doc.getText().length);
    expect(fix!.title).toBe('replace with `s`');
    expect(fix!.kind).toBe('quickfix');
    expect(fix!.diagnostics![0]!.code).toBe('M1001');
    expect(fix!.edit!.changes![a.uri]).toEqual([{ range: { start: { line: 6, character: 22 }, end: { line: 6, character: 24 } }, newText: 's' }]);
  });

  it('only offers fixes for diagnostics in the requested range', () => {
    const { a } = at(edit('v1(x: s)', 'v1(x: ss|)'));
    expect(codeActions(a, 0, 10)).toEqual([]);
  });

  it('adds the missing arguments of a model call, bound to a fitting value', () => {
    const src =
      'input wide: f32[batch, 4]\ninput feats: f32[batch, 3]\nmodel m = onnx("models/multiInput.onnx")\ninput amount: f32[batch, 1]\noutput o = |m()\n';
    const { a, offset } = at(src);
    const fixes = codeActions(a, offset, offset);
    const fix = fixes.find((f) => f.title.startsWith('add the missing arguments'))!;
    expect(fix.title).toBe('add the missing arguments `amount`, `features`');
    const [e] = fix.edit!.changes![a.uri]!;
    expect(e!.newText).toBe('amount: amount, features: feats');
    const fixed = TextDocument.applyEdits(a.doc, [e!]);
    expect(fixed).toContain('output o = m(amount: amount, features: feats)');
    expect(lspDiagnostics(analysisOf(fixed)).filter((d) => d.severity === DiagnosticSeverity.Error)).toEqual([]);
  });

  it('appends to arguments already given, quoting ONNX names that are not identifiers', () => {
    const src =
      'input f: f32[batch, 4]\nmodel p = onnx("models/nonIdentifier.onnx")\nmodel m = onnx("models/multiInput.onnx")\ninput amount: f32[batch, 1]\noutput o = |m(amount: amount)\noutput q = p()\n';
    const { a, offset } = at(src);
    const fix = codeActions(a, offset, offset).find((f) => f.title.startsWith('add'))!;
    expect(fix.edit!.changes![a.uri]![0]!.newText).toBe(', features: features');
    const q = a.doc.getText().indexOf('p()');
    const quoted = codeActions(a, q, q).find((f) => f.title.startsWith('add'))!;
    expect(quoted.edit!.changes![a.uri]![0]!.newText).toBe('`onnx::Flatten_0`: f');
  });
});

describe('formatting', () => {
  it("returns one edit covering the lines that change, with the formatter's text", () => {
    const tidy = formatSource(BASE, 't.m4');
    if (!tidy.ok) throw new Error('BASE does not format');
    const a = analysisOf(tidy.text.replace('node s = standardize(x, mean: 0.0, std: 1.0)', 'node s=standardize( x,mean:0.0,std:1.0 )'));
    const edits = formatDocument(a.doc, a.file);
    expect(edits).toHaveLength(1);
    expect(edits[0]!.range).toEqual({ start: { line: 5, character: 0 }, end: { line: 5, character: 40 } });
    expect(TextDocument.applyEdits(a.doc, edits)).toBe(tidy.text);
  });

  it('returns no edits for a formatted file or a file with syntax errors', () => {
    const tidy = analysisOf('input x: f32[b]\noutput o = x\n');
    expect(formatDocument(tidy.doc, tidy.file)).toEqual([]);
    const broken = analysisOf('input   x: f32[b]\noutput o = sigmoid(x\n');
    expect(formatDocument(broken.doc, broken.file)).toEqual([]);
  });
});
