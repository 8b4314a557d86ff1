/**
 * `m4c init` on text and image models: token-id inputs are fed by drafted `tokenize` calls (a TODO for
 * the tokenizer file, which init cannot know), pixel inputs by decode → resize → to_tensor →
 * standardize typed from the signature; the raw inputs are `str` and `bytes`. With the tokenizer path
 * filled in, the text graph compiles.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { generateInit } from '../../cli/init/generate.ts';
import { convImageClassifier, embeddingBagClassifier, wordPieceTokenizerJson, writeTokenizerJson } from '../../tools/onnx-build.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-init-modality-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dense = { weights: [1, -1, 0, 0], bias: [0, 0] };
embeddingBagClassifier({ vocab: 10, dim: 2, maxLength: 16, embeddings: new Array(20).fill(0.1), dense }).writeModel(join(dir, 'sentiment.onnx'));
convImageClassifier({ channels: 3, height: 64, width: 48, filters: 2, conv: { weights: new Array(54).fill(0.1), bias: [0, 0] }, dense }).writeModel(
  join(dir, 'photo.onnx'),
);

describe('m4c init on text and image models', () => {
  it('drafts tokenize for input_ids and attention_mask, with max_length from the signature and a TODO for the tokenizer', async () => {
    const r = await generateInit({ model: 'sentiment.onnx', output: 'out.m4', cwd: dir });
    if (!r.ok) throw new Error(r.message);
    expect(r.text).toMatch(/^input text: str\[batch\]/m);
    expect(r.text).toContain('node input_ids');
    expect(r.text).toMatch(/tokenize\(text, tokenizer: "TODO\/tokenizer\.json", max_length: 16\)/);
    expect(r.text).toMatch(/tokenize\(text, tokenizer: "TODO\/tokenizer\.json", max_length: 16, result: "attention_mask"\)/);
    expect(r.text).toContain("TODO(m4 init): the path of the model's tokenizer.json");
    expect(r.todos.map((t) => t.diagnostic)).toEqual([expect.stringContaining('M4007'), expect.stringContaining('M4007')]);
    // Filling in the tokenizer is all it takes.
    writeTokenizerJson(join(dir, 'tok', 'tokenizer.json'), wordPieceTokenizerJson(['a', 'b']));
    const fixed = r.text.replaceAll('TODO/tokenizer.json', 'tok/tokenizer.json');
    const c = compileSource(fixed, join(dir, 'out.m4'));
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('drafts the image ops for a 4-D f32 input: size and channels from the signature, a TODO for mean and std', async () => {
    const r = await generateInit({ model: 'photo.onnx', candidate: 'photo.onnx', output: 'out.m4', cwd: dir });
    if (!r.ok) throw new Error(r.message);
    expect(r.todos).toEqual([]);
    expect(r.text).toMatch(/^input image: bytes\[batch\]/m);
    expect(r.text.replace(/\s+/g, ' ')).toContain('to_tensor(resize(decode_image(image, channels: 3), width: 48, height: 64), layout: "nchw")');
    expect(r.text).toContain('TODO(m4 init): the mean and std the model was trained with');
    writeFileSync(join(dir, 'out.m4'), r.text);
    expect(compileSource(readFileSync(join(dir, 'out.m4'), 'utf8'), join(dir, 'out.m4')).plan).toBeDefined();
  });
});

describe('m4c init bridges a model that takes fewer frames', () => {
  it("feeds a 24-frame candidate the first 24 of the control's 25 frames with slice(axis: 1), and it compiles", async () => {
    const { OnnxModelBuilder } = await import('../../tools/onnx-build.ts');
    for (const frames of [25, 24]) {
      const b = new OnnxModelBuilder({ graphName: `frames${frames}` });
      const x = b.input('x', 'f32', ['N', frames, 96]);
      const pooled = b.reduceMean(x, [1, 2], false);
      b.sigmoid(b.unsqueeze(pooled, [1]), 'score');
      b.output('score', 'f32', ['N', 1]);
      b.writeModel(join(dir, `frames${frames}.onnx`));
    }
    const r = await generateInit({ model: 'frames25.onnx', candidate: 'frames24.onnx', output: 'out.m4', cwd: dir });
    if (!r.ok) throw new Error(r.message);
    expect(r.todos).toEqual([]);
    expect(r.text).toContain('slice(x, end: 24, axis: 1)');
    expect(r.text).toContain('the first 24 of 25 along axis 1');
  });
});
