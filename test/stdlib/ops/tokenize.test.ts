/**
 * `tokenize` against `@huggingface/tokenizers`' own encode, on WordPiece and byte-level BPE tokenizer
 * files written by tools/tokenizer-build.ts: unicode, emoji, empty and very long texts, control
 * characters; truncation keeps the special tokens; padding; check-time reading of the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenize, type TokenizeParams } from '../../../stdlib/ops/tokenize.ts';
import type { KernelContext, RowFailureReason } from '../../../stdlib/ops/op-spec.ts';
import type { Tensor } from '../../../stdlib/types.ts';
import { byteLevelBpeTokenizerJson, wordPieceTokenizerJson, writeTokenizerJson } from '../../../tools/tokenizer-build.ts';
import { checkParams, fakeCtx } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-tokenize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'good', 'bad', 'movie', 'un', 'é', 'café', 'naïve', '!', ',', '.', '日', '本'];
const PIECES = ['##s', '##able', '##ing', '##ly'];
const wpPath = join(dir, 'wp', 'tokenizer.json');
const wpJson = wordPieceTokenizerJson(WORDS, PIECES);
writeTokenizerJson(wpPath, wpJson);
const bpePath = join(dir, 'bpe', 'tokenizer.json');
const bpeJson = byteLevelBpeTokenizerJson([
  ['t', 'h'],
  ['th', 'e'],
  ['c', 'a'],
  ['ca', 't'],
  ['Ġ', 'c'],
  ['Ġc', 'at'],
]);
writeTokenizerJson(bpePath, bpeJson);

const CORPUS = [
  'The cat sat on the mat.',
  '',
  'unable cats, good movie!',
  'Café naïve — 日本 😀🎉 emoji',
  'control\u0000chars\u0007and\ttabs\r\nnewlines\u001b[31m',
  'the '.repeat(200),
  '   leading and trailing   ',
  'ÉLAN MOVIE',
  '\u200b zero width \ufeff bom',
];

function params(p: Partial<TokenizeParams> & { tokenizer: string }): TokenizeParams {
  const r = checkParams(tokenize, p);
  expect(r.ok, JSON.stringify(r.errors)).toBe(true);
  return r.params as TokenizeParams;
}

function run(texts: string[], p: TokenizeParams): { out: Tensor; rejected: { row: number; reason: RowFailureReason }[] } {
  const rejected: { row: number; reason: RowFailureReason }[] = [];
  const ctx: KernelContext = { rejectRow: (row, reason) => rejected.push({ row, reason }) };
  // A fresh array per call: encodings are shared per text tensor, and a test compares settings.
  const out = tokenize.kernel([{ dtype: 'str', data: texts.slice(), dims: [texts.length] }], p, ctx);
  return { out, rejected };
}

function rowOf(t: Tensor, r: number): number[] {
  const w = t.dims[1];
  return Array.from((t.data as BigInt64Array).subarray(r * w, (r + 1) * w), Number);
}

describe('tokenize (WordPiece, BERT template)', () => {
  const lib = new Tokenizer(wpJson as never, {});
  const L = 16;

  it("gives the library's ids, mask and type ids, padded to max_length with [PAD]", () => {
    const ids = run(CORPUS, params({ tokenizer: wpPath, max_length: L })).out;
    const mask = run(CORPUS, params({ tokenizer: wpPath, max_length: L, result: 'attention_mask' })).out;
    const types = run(CORPUS, params({ tokenizer: wpPath, max_length: L, result: 'token_type_ids' })).out;
    expect(ids.dims).toEqual([CORPUS.length, L]);
    CORPUS.forEach((text, r) => {
      const enc = lib.encode(text, { return_token_type_ids: true });
      let expected: number[];
      if (enc.ids.length <= L) {
        expected = enc.ids;
      } else {
        // transformers' truncation of one sequence: the content is cut, [CLS] and [SEP] stay.
        const content = lib.encode(text, { add_special_tokens: false }).ids;
        expected = [lib.token_to_id('[CLS]')!, ...content.slice(0, L - 2), lib.token_to_id('[SEP]')!];
      }
      const n = expected.length;
      expect(rowOf(ids, r), text).toEqual([...expected, ...new Array(L - n).fill(0)]);
      expect(rowOf(mask, r), text).toEqual([...new Array(n).fill(1), ...new Array(L - n).fill(0)]);
      expect(rowOf(types, r), text).toEqual(new Array(L).fill(0));
    });
  });

  it('an empty text is [CLS] [SEP]; a long one is cut to max_length', () => {
    const { out } = run(['', 'the '.repeat(100)], params({ tokenizer: wpPath, max_length: 8 }));
    const the = lib.token_to_id('the')!;
    expect(rowOf(out, 0)).toEqual([2, 3, 0, 0, 0, 0, 0, 0]);
    expect(rowOf(out, 1)).toEqual([2, the, the, the, the, the, the, 3]);
  });

  it('truncation: false rejects a longer text as text-too-long, and only that row', () => {
    const { out, rejected } = run(['the cat', 'the '.repeat(20)], params({ tokenizer: wpPath, max_length: 8, truncation: false }));
    expect(rejected).toEqual([{ row: 1, reason: 'text-too-long' }]);
    expect(rowOf(out, 0).slice(0, 4)).toEqual(lib.encode('the cat').ids);
  });

  it('padding "longest" pads to the longest row of the batch', () => {
    const { out } = run(['the', 'the cat sat'], params({ tokenizer: wpPath, max_length: 32, padding: 'longest' }));
    expect(out.dims).toEqual([2, 5]);
    expect(rowOf(out, 0)).toEqual([...lib.encode('the').ids, 0, 0]);
  });

  it('add_special_tokens: false gives the bare content ids', () => {
    const { out } = run(['the cat'], params({ tokenizer: wpPath, max_length: 4, add_special_tokens: false }));
    expect(rowOf(out, 0)).toEqual([...lib.encode('the cat', { add_special_tokens: false }).ids, 0, 0]);
  });

  it('types its result from max_length, reading the file', () => {
    const ctx = fakeCtx();
    expect(tokenize.infer([{ dtype: 'str', dims: ['batch'] }], params({ tokenizer: wpPath, max_length: 64 }), ctx)).toEqual({
      dtype: 'i64',
      dims: ['batch', 64],
    });
    expect(tokenize.infer([{ dtype: 'str', dims: ['batch'] }], params({ tokenizer: wpPath, padding: 'longest' }), ctx)).toEqual({
      dtype: 'i64',
      dims: ['batch', null],
    });
    expect(tokenize.infer([{ dtype: 'f32', dims: ['batch'] }], params({ tokenizer: wpPath }), ctx)).toMatchObject({ arg: 0 });
    expect(tokenize.infer([{ dtype: 'str', dims: ['batch', 2] }], params({ tokenizer: wpPath }), ctx)).toMatchObject({ arg: 0 });
    expect(tokenize.infer([{ dtype: 'str', dims: ['batch'] }], params({ tokenizer: wpPath, max_length: 2 }), ctx)).toMatchObject({
      param: 'max_length',
    });
  });
});

describe('tokenize (byte-level BPE, no template)', () => {
  const lib = new Tokenizer(bpeJson as never, {});
  const pad = lib.token_to_id('<pad>')!;

  it("gives the library's ids, padded with <pad>, truncated to the first max_length tokens", () => {
    const L = 12;
    const { out } = run(CORPUS, params({ tokenizer: bpePath, max_length: L }));
    CORPUS.forEach((text, r) => {
      const ids = lib.encode(text).ids.slice(0, L);
      expect(rowOf(out, r), JSON.stringify(text)).toEqual([...ids, ...new Array(L - ids.length).fill(pad)]);
    });
  });

  it('has no token type ids: asking for them is a type error', () => {
    expect(tokenize.infer([{ dtype: 'str', dims: ['batch'] }], params({ tokenizer: bpePath, result: 'token_type_ids' }), fakeCtx())).toMatchObject({
      param: 'result',
    });
  });
});

describe('tokenizer files that cannot be used', () => {
  const infer = (path: string) => tokenize.infer([{ dtype: 'str', dims: ['batch'] }], params({ tokenizer: path }), fakeCtx());

  it('a missing file, a directory, text that is not JSON, JSON that is not a tokenizer: file errors', () => {
    expect(infer(join(dir, 'none.json'))).toEqual({ error: 'no such file', param: 'tokenizer', file: true });
    expect(infer(dir)).toMatchObject({ param: 'tokenizer', file: true });
    const garbled = join(dir, 'garbled.json');
    writeFileSync(garbled, '{"model": {"type": "WordPiece", "vocab": ');
    expect(infer(garbled)).toMatchObject({ error: expect.stringContaining('not a tokenizer.json'), file: true });
    const notTok = join(dir, 'not-tok.json');
    writeFileSync(notTok, '{"hello": 1}');
    expect(infer(notTok)).toMatchObject({ error: expect.stringContaining('no "model" section'), file: true });
    const badModel = join(dir, 'bad-model.json');
    writeFileSync(badModel, '{"model": {"type": "Nope"}}');
    expect(infer(badModel)).toMatchObject({ error: expect.stringContaining('cannot load it'), file: true });
  });

  it('a tokenizer without a pad token needs pad_id', () => {
    const noPad = join(dir, 'nopad', 'tokenizer.json');
    const j = byteLevelBpeTokenizerJson([]) as { added_tokens: unknown[] };
    j.added_tokens = [];
    writeTokenizerJson(noPad, j);
    expect(infer(noPad)).toMatchObject({ error: expect.stringContaining('pad_id'), param: 'tokenizer' });
    expect(tokenize.infer([{ dtype: 'str', dims: ['batch'] }], params({ tokenizer: noPad, pad_id: 0 }), fakeCtx())).toEqual({
      dtype: 'i64',
      dims: ['batch', 128],
    });
  });
});
