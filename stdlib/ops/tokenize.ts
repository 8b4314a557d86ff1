import type { Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, KernelContext, OpSpec } from './op-spec.ts';
import { encodeText, loadTokenizerFile, type Encoded, type TokenizerFile } from './tokenizer-file.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type TokenizeParams = {
  tokenizer: string;
  max_length: number;
  padding: 'max_length' | 'longest';
  truncation: boolean;
  add_special_tokens: boolean;
  result: 'input_ids' | 'attention_mask' | 'token_type_ids';
  pad_id?: number;
};

const NAME = 'tokenize';

/**
 * The encodings of one text tensor, shared by the `tokenize` calls that read it with the same settings:
 * `input_ids` and `attention_mask` are two calls (an op has one result) but the texts are encoded once.
 * Keyed weakly by the tensor's storage, so a batch's encodings go away with the batch.
 */
const shared = new WeakMap<object, Map<string, (Encoded | null)[]>>();

function encodings(texts: string[], t: TokenizerFile, p: TokenizeParams): (Encoded | null)[] {
  const key = `${p.tokenizer}\u0000${p.max_length}\u0000${p.truncation}\u0000${p.add_special_tokens}`;
  let byKey = shared.get(texts);
  if (!byKey) shared.set(texts, (byKey = new Map()));
  let out = byKey.get(key);
  if (!out) {
    out = texts.map((s) => encodeText(t, s, p.max_length, p.truncation, p.add_special_tokens));
    byKey.set(key, out);
  }
  return out;
}

function tokenizerOrThrow(path: string): TokenizerFile {
  const t = loadTokenizerFile(path);
  if ('error' in t) throw new KernelError(NAME, `${path}: ${t.error}`);
  return t;
}

/**
 * Text → token ids through a Hugging Face `tokenizer.json` (WordPiece, BPE, Unigram), padded and
 * truncated to `max_length` as `transformers` does for one sequence.
 */
export const tokenize: OpSpec<TokenizeParams> = {
  name: NAME,
  summary: 'Token ids, attention mask or token type ids (i64) of each text, from a Hugging Face tokenizer.json.',
  doc: [
    'Encodes each text with the `tokenizer.json` (path relative to the `.m4` file) through',
    "`@huggingface/tokenizers` — the ids are that library's `encode` — and returns one of its results,",
    'padded to `max_length` on the right: `input_ids` (the pad id where there is no token),',
    '`attention_mask` (1 for a token, 0 for padding) or `token_type_ids` (0 for padding). A model that',
    'takes ids and a mask gets two calls with the same settings: the texts are encoded once.',
    '',
    'With `truncation: true` a longer text keeps its first tokens and its special tokens (`[CLS] … [SEP]`),',
    'as `transformers` truncates one sequence; with `truncation: false` it is a bad row (`text-too-long`).',
    '`padding: "longest"` pads to the longest text of the batch instead (its width then depends on how',
    "the rows were batched). The pad id is the file's `padding.pad_id`, else `[PAD]` or `<pad>`, else",
    '`pad_id:`.',
    '',
    '**Type rule.** `text` is `str[rows]` (one text per row); the result is `i64[rows, max_length]`',
    '(`i64[rows, ?]` with `padding: "longest"`). The compiler reads the tokenizer file: a missing or',
    'unreadable file, `token_type_ids` from a tokenizer that has none, or no pad token is an error.',
    '',
    '**NaN.** Not applicable: texts in, integers out. Any string is a valid text (the empty one gives only',
    "the special tokens); control characters and emoji go through the tokenizer's normalizer as they do in",
    'the library.',
  ].join('\n'),
  example: 'node ids = tokenize(review, tokenizer: "tokenizer.json", max_length: 64, result: "input_ids")',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      tokenizer: { description: 'Path of the tokenizer.json, relative to the .m4 file.', type: 'string', minLength: 1 },
      max_length: { description: 'Tokens per row, special tokens included.', type: 'integer', minimum: 1, maximum: 1_000_000, default: 128 },
      padding: {
        description: 'Pad every row to max_length, or to the longest row of the batch.',
        enum: ['max_length', 'longest'],
        default: 'max_length',
      },
      truncation: { description: 'Cut longer texts to max_length (false: they are bad rows).', type: 'boolean', default: true },
      add_special_tokens: { description: "Add the tokenizer's special tokens ([CLS], [SEP], <s>...).", type: 'boolean', default: true },
      result: { description: 'Which encoding to return.', enum: ['input_ids', 'attention_mask', 'token_type_ids'], default: 'input_ids' },
      pad_id: { description: 'The id padding uses; default: from the tokenizer file.', type: 'integer', minimum: 0 },
    },
    required: ['tokenizer'],
    additionalProperties: false,
  },
  fileParams: ['tokenizer'],
  rejectsRows: true,

  infer(args: TensorType[], params: TokenizeParams, _ctx: InferContext): InferResult {
    const x = args[0];
    if (x.dtype !== 'str' || x.dims.length !== 1) {
      return { error: `tokenize needs one text per row, str[rows], got ${formatType(x)}`, arg: 0 };
    }
    const t = loadTokenizerFile(params.tokenizer);
    if ('error' in t) return { error: t.error, param: 'tokenizer', file: true };
    if (params.result === 'token_type_ids' && !t.hasTypeIds) {
      return { error: 'this tokenizer gives no token type ids (its post-processor is not BERT-style)', param: 'result' };
    }
    if (params.pad_id === undefined && t.padId === null) {
      return { error: 'this tokenizer names no pad token ([PAD], <pad> or padding.pad_id): give pad_id: N', param: 'tokenizer' };
    }
    if (params.add_special_tokens && t.specialCount >= params.max_length) {
      return { error: `max_length ${params.max_length} leaves no room for text after the ${t.specialCount} special tokens`, param: 'max_length' };
    }
    return { dtype: 'i64', dims: [x.dims[0], params.padding === 'max_length' ? params.max_length : null] };
  },

  kernel(args: Tensor[], params: TokenizeParams, ctx?: KernelContext): Tensor {
    const x = args[0];
    if (x.dtype !== 'str' || x.dims.length !== 1) throw new KernelError(NAME, `needs str[rows], got ${x.dtype}[${x.dims.join(', ')}]`);
    const t = tokenizerOrThrow(params.tokenizer);
    const texts = x.data as string[];
    const enc = encodings(texts, t, params);
    const rows = texts.length;
    let width = params.max_length;
    if (params.padding === 'longest') {
      width = 0;
      for (const e of enc) if (e && e.ids.length > width) width = e.ids.length;
    }
    const pad = BigInt(params.pad_id ?? t.padId ?? 0);
    const out = new BigInt64Array(rows * width);
    if (params.result === 'input_ids' && pad !== 0n) out.fill(pad);
    for (let r = 0; r < rows; r++) {
      const e = enc[r];
      if (e === null) {
        // Every call reports it (the executor counts a row once) and the row is dropped from every tensor.
        ctx?.rejectRow(r, 'text-too-long', `the text has more than ${params.max_length} tokens and truncation is false`);
        continue;
      }
      const base = r * width;
      const n = e.ids.length;
      if (params.result === 'input_ids') for (let i = 0; i < n; i++) out[base + i] = BigInt(e.ids[i]);
      else if (params.result === 'attention_mask') for (let i = 0; i < n; i++) out[base + i] = 1n;
      else if (e.typeIds) for (let i = 0; i < n; i++) out[base + i] = BigInt(e.typeIds[i]);
    }
    return { dtype: 'i64', data: out, dims: [rows, width] };
  },
};
