/**
 * Hugging Face `tokenizer.json` files, read through `@huggingface/tokenizers` (pure JS): loaded once
 * per path and file version, for the compiler's check (which types `tokenize` from the file) and for
 * the kernel. Encoding is the library's own, with the truncation and padding that `transformers`
 * applies around it (the JS library has neither).
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Tokenizer } from '@huggingface/tokenizers';

let tokenizerClass: typeof Tokenizer | undefined;
/** The library (~20 ms to load) is loaded by the first tokenizer file read, not at every start of the CLI. */
function TokenizerClass(): typeof Tokenizer {
  tokenizerClass ??= (createRequire(import.meta.url)('@huggingface/tokenizers') as typeof import('@huggingface/tokenizers')).Tokenizer;
  return tokenizerClass;
}

/** A tokenizer file, ready to encode, with the facts the type rule needs. */
export interface TokenizerFile {
  path: string;
  tokenizer: Tokenizer;
  /** The pad token's id: the file's `padding.pad_id`, else the id of `[PAD]` or `<pad>`; null when none. */
  padId: number | null;
  /** Whether encoding gives token type ids (a BERT-style post-processor). */
  hasTypeIds: boolean;
  /** Special tokens the post-processor adds to one sequence (`[CLS]` and `[SEP]`: 2). */
  specialCount: number;
}

/** One text, encoded: ids and type ids, before padding. */
export interface Encoded {
  ids: number[];
  typeIds: number[] | undefined;
}

const cache = new Map<string, { stamp: string; value: TokenizerFile | { error: string } }>();

/**
 * The tokenizer at absolute `path`, or why it cannot be used. Cached by path, size and mtime, so an
 * editor re-checking a file does not re-read an unchanged tokenizer, and an edited one is re-read.
 */
export function loadTokenizerFile(path: string): TokenizerFile | { error: string } {
  let stamp: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { error: 'it is not a file' };
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    return { error: 'no such file' };
  }
  const hit = cache.get(path);
  if (hit?.stamp === stamp) return hit.value;
  const value = readTokenizer(path);
  cache.set(path, { stamp, value });
  return value;
}

function readTokenizer(path: string): TokenizerFile | { error: string } {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    return { error: `it is not a tokenizer.json: ${oneLine(err)}` };
  }
  if (json === null || typeof json !== 'object' || typeof json.model !== 'object' || json.model === null) {
    return { error: 'it is not a tokenizer.json: it has no "model" section' };
  }
  // transformers keeps a few encoding settings in tokenizer_config.json next to the tokenizer.
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(readFileSync(join(dirname(path), 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // optional
  }
  let tokenizer: Tokenizer;
  try {
    const Tokenizer = TokenizerClass();
    tokenizer = new Tokenizer({ added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...json }, config);
    tokenizer.encode('a');
  } catch (err) {
    return { error: `@huggingface/tokenizers cannot load it: ${oneLine(err)}` };
  }
  const padding = json.padding as { pad_id?: unknown } | null | undefined;
  let padId: number | null = typeof padding?.pad_id === 'number' ? padding.pad_id : null;
  for (const t of ['[PAD]', '<pad>', '<|pad|>']) {
    if (padId !== null) break;
    padId = tokenizer.token_to_id(t) ?? null;
  }
  const post = tokenizer.post_processor;
  const probe = tokenizer.encode('a', { return_token_type_ids: true });
  return {
    path,
    tokenizer,
    padId,
    hasTypeIds: probe.token_type_ids !== undefined,
    specialCount: post ? post.post_process([], null, true).tokens.length : 0,
  };
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 200);
}

/**
 * Encode one text as `Tokenizer.encode` does, truncated to `maxLength` tokens the way `transformers`
 * truncates a single sequence (the content is cut, the special tokens kept). Returns `null` when the
 * text is longer and `truncate` is false.
 */
export function encodeText(t: TokenizerFile, text: string, maxLength: number, truncate: boolean, addSpecial: boolean): Encoded | null {
  const tok = t.tokenizer;
  // `tokenize` is the library's encode up to the ids, without the special tokens.
  let content = tok.tokenize(text);
  const room = Math.max(0, maxLength - (addSpecial ? t.specialCount : 0));
  if (content.length > room) {
    if (!truncate) return null;
    content = content.slice(0, room);
  }
  const post = tok.post_processor;
  const processed = post ? post.post_process(content, null, addSpecial) : { tokens: content, token_type_ids: undefined };
  const tokens = processed.tokens.length > maxLength ? processed.tokens.slice(0, maxLength) : processed.tokens;
  const ids = new Array<number>(tokens.length);
  for (let i = 0; i < tokens.length; i++) ids[i] = idOf(tok, tokens[i]);
  const typeIds = processed.token_type_ids?.slice(0, tokens.length);
  return { ids, typeIds };
}

/** The id `Tokenizer.encode` gives a token: added tokens first, then the vocabulary, else unknown. */
function idOf(tok: Tokenizer, token: string): number {
  const added = (tok as unknown as { added_tokens_map?: Map<string, { id: number }> }).added_tokens_map?.get(token);
  if (added) return added.id;
  return tok.token_to_id(token) ?? (tok.model as unknown as { unk_token_id: number }).unk_token_id;
}
