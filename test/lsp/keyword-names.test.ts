/**
 * ONNX names that are keywords of the language: PyTorch exports name a model's input `input` and its output
 * `output` by default. Everything that writes such a name into `.m4` text — completion, quick fixes, help
 * lines — must write it in backticks, and the text it produces must check clean.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { writeName } from '../../grammar/language.ts';
import { analyzeText, type Analysis } from '../../lsp/analysis.ts';
import { codeActions } from '../../lsp/code-actions.ts';
import { complete } from '../../lsp/completion.ts';
import { logisticRegressionModel } from '../../tools/onnx-build.ts';
import { cursor } from './lsp-helpers.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-keyword-names-'));
  mkdirSync(join(dir, 'models'));
  // One input named `input`, outputs `label` and `output` (the probabilities).
  logisticRegressionModel({ weights: [0.5, -0.25, 0.125, 1], bias: 0.1, inputName: 'input', probabilitiesName: 'output' }).writeModel(
    join(dir, 'models/torch.onnx'),
  );
});

const HEAD = 'input x: f32[batch, 4]\nmodel m = onnx("models/torch.onnx")\n';

function analysis(text: string): Analysis {
  return analyzeText(text, pathToFileURL(join(dir, 'g.m4')).href);
}

function errorsOf(text: string): string[] {
  return compileSource(text, join(dir, 'g.m4'))
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.code} ${d.message}`);
}

/** Apply the first quick fix offered at the cursor whose title starts with `title`. */
function applyFix(src: string, title: string): string {
  const { text, offset } = cursor(src);
  const a = analysis(text);
  const fix = codeActions(a, offset, offset).find((f) => f.title.startsWith(title));
  expect(fix, `a fix "${title}…" at the cursor`).toBeDefined();
  return TextDocument.applyEdits(a.doc, fix!.edit!.changes![a.uri]!);
}

describe('names that are keywords', () => {
  it('are written in backticks', () => {
    expect(writeName('input')).toBe('`input`');
    expect(writeName('output')).toBe('`output`');
    expect(writeName('from')).toBe('`from`');
    expect(writeName('inputs')).toBe('inputs');
    expect(writeName('onnx::x')).toBe('`onnx::x`');
  });

  it('check clean when written quoted', () => {
    expect(errorsOf(`${HEAD}output o = column(m(\`input\`: x).\`output\`, index: 1)\n`)).toEqual([]);
  });

  it('are completed quoted: model inputs and outputs', () => {
    const args = cursor(`${HEAD}output o = m(|`);
    const argItems = complete(analysis(args.text), args.offset);
    expect(argItems.map((i) => i.label)).toContain('`input`');
    expect(argItems.find((i) => i.label === '`input`')!.insertText).toBe('`input`: ');
    const outs = cursor(`${HEAD}output o = m(\`input\`: x).|`);
    expect(complete(analysis(outs.text), outs.offset).map((i) => i.label)).toEqual(['label', '`output`']);
  });

  it('are added quoted by the missing-arguments fix, and the result checks clean', () => {
    const fixed = applyFix(`${HEAD}output o = |m().label\n`, 'add the missing argument');
    expect(fixed).toContain('m(`input`: x)');
    expect(errorsOf(fixed)).toEqual([]);
  });

  it('are written quoted by did-you-mean fixes and help lines', () => {
    const typo = applyFix(`${HEAD}output o = column(m(\`input\`: x).|outptu, index: 1)\n`, 'replace with');
    expect(typo).toContain('.`output`');
    expect(errorsOf(typo)).toEqual([]);
    const both = applyFix(`${HEAD}output o = column(m(|\`inptu\`: x).\`output\`, index: 1)\n`, 'replace with');
    expect(both).toContain('m(`input`: x)');
    expect(errorsOf(both)).toEqual([]);
    const missing = compileSource(`${HEAD}output o = m().label\n`, join(dir, 'g.m4')).diagnostics.find((d) => d.code === 'M2004')!;
    expect(missing.help).toBe('add `` `input`: ... `` to the call');
  });

  it('offer the rename of an argument to the only input left, however different the names', () => {
    const src = 'input x: f32[batch, 4]\nmodel v1 = onnx("models/torch.onnx")\noutput o = v1(|features: x).label\n';
    const fixed = applyFix(src, 'replace with');
    expect(fixed).toContain('v1(`input`: x)');
    expect(errorsOf(fixed)).toEqual([]);
    const d = compileSource(cursor(src).text, join(dir, 'g.m4')).diagnostics.find((x) => x.code === 'M2003')!;
    expect(d.help).toBe("the model's input is `input`: rename `features` to `input`");
  });
});
