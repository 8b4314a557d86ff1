/**
 * The language server on the text and image ops, which it serves from the op catalogue like any op:
 * hover shows the result type the compiler inferred (read from the tokenizer file), completion offers
 * each op's parameters.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../lsp/analysis.ts';
import { complete } from '../../lsp/completion.ts';
import { hover } from '../../lsp/hover.ts';
import { ROOT } from '../support/run-cli.ts';
import { cursor } from './lsp-helpers.ts';

const uri = pathToFileURL(join(ROOT, 'examples/multimodal/probe.m4')).href;
const SRC = [
  'input review: str[batch]',
  'input poster: bytes[batch]',
  'output ids = tokenize(review, tokenizer: "tokenizer.json", max_length: 24)',
  'output pixels = to_tensor(resize(decode_image(poster), width: 32, height: 30))',
].join('\n');

function hoverAt(marked: string): string {
  const { text, offset } = cursor(marked);
  const h = hover(analyzeText(text, uri), offset);
  return h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
}

describe('lsp on tokenize and the image ops', () => {
  it("hover shows each op's result type and documentation", () => {
    expect(hoverAt(SRC.replace('= tokenize', '= tok|enize'))).toContain('→ i64[batch, 24]');
    expect(hoverAt(SRC.replace('= tokenize', '= tok|enize'))).toContain('tokenizer.json');
    expect(hoverAt(SRC.replace('to_tensor(', 'to_ten|sor('))).toContain('→ f32[batch, 3, 30, 32]');
    expect(hoverAt(SRC.replace('resize(', 'res|ize('))).toContain('→ image[batch, 30, 32, 3]');
    expect(hoverAt(SRC.replace('decode_image(', 'decode_im|age('))).toContain('→ image[batch, ?, ?, 3]');
  });

  it('completion offers the parameters not yet given', () => {
    const { text, offset } = cursor(SRC.replace('max_length: 24)', 'max_length: 24, |)'));
    const labels = complete(analyzeText(text, uri), offset)
      .filter((i) => i.insertText?.endsWith(': '))
      .map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['padding', 'truncation', 'result', 'add_special_tokens', 'pad_id']));
    expect(labels).not.toContain('max_length');
  });
});
