/**
 * The multi-modal example (examples/multimodal/): a movie-review sentiment task where each row holds
 * a short review text and a poster image (real PNG and JPEG bytes, base64 in JSONL). Everything is
 * seeded, so a rerun writes byte-identical files:
 *
 * - `tokenizer.json`: a BERT-style WordPiece tokenizer over the example's vocabulary;
 * - `models/text.onnx`: an embedding-bag classifier (token ids + attention mask);
 * - `models/vision.onnx`: a one-layer convolutional classifier on 32×32 RGB pixels;
 * - `models/fusion-v1.onnx`, `models/fusion-v2.onnx`: logistic fusions of the two models'
 *   probabilities — v1 leans on the text, v2 weighs both modalities equally;
 * - `data/replay.jsonl`: 300 labelled rows plus 3 bad ones (an empty image, a truncated JPEG,
 *   text that is not base64) that `m4c run` counts by reason.
 *
 * The models' weights are set from the data's generating process ("seeded", not trained): the
 * text embedding reads the words' sentiment, the convolution measures red against blue.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  convImageClassifier,
  embeddingBagClassifier,
  logisticRegressionModel,
  wordPieceTokenizerJson,
  writeTokenizerJson,
} from '../../tools/onnx-build.ts';
import { SeededRandom } from '../../tools/seeded-random.ts';

const PRODUCER = { producerName: 'm4-examples', producerVersion: '1' };
const POSITIVE = ['great', 'good', 'love', 'excellent', 'fun', 'wonderful', 'brilliant'];
const NEGATIVE = ['bad', 'boring', 'awful', 'hate', 'dull', 'poor', 'terrible'];
const NEUTRAL = ['the', 'movie', 'film', 'plot', 'actors', 'was', 'and', 'a', 'it', 'story', 'this', 'scene', 'music', 'ending', 'with'];
const PUNCTUATION = ['!', ',', '.', '?'];
const PIECES = ['##s', '##ly', '##ing'];
/** Tokens per review, special tokens included (the graph's `max_length`). */
export const MAX_LENGTH = 24;
/** Pixels the vision model takes (the graph's `resize`). */
export const IMAGE_SIZE = 32;

interface Row {
  text: string;
  image: Buffer;
  label: number;
}

function pick<T>(rnd: SeededRandom, xs: readonly T[]): T {
  return xs[Math.floor(rnd.next() * xs.length)];
}

function review(rnd: SeededRandom, label: number): string {
  const words: string[] = [];
  const n = 4 + Math.floor(rnd.next() * 11);
  for (let i = 0; i < n; i++) {
    if (rnd.next() < 0.3) {
      const agrees = rnd.next() < 0.72;
      words.push(pick(rnd, (label === 1) === agrees ? POSITIVE : NEGATIVE));
    } else words.push(pick(rnd, NEUTRAL));
  }
  if (rnd.next() < 0.3) words[0] = words[0][0].toUpperCase() + words[0].slice(1);
  if (rnd.next() < 0.1) words.push('😀');
  if (rnd.next() < 0.05) words.push('Ünïcode', 'café');
  // A few long reviews: more tokens than max_length, so the graph truncates them.
  if (rnd.next() < 0.05) for (let i = 0; i < 30; i++) words.push(pick(rnd, NEUTRAL));
  return `${words.join(' ')}${pick(rnd, PUNCTUATION)}`;
}

/** A poster: noise around a tint that leans red for positive reviews, blue for negative, often weakly. */
async function poster(rnd: SeededRandom, label: number, index: number): Promise<Buffer> {
  const w = 32 + Math.floor(rnd.next() * 25);
  const h = 28 + Math.floor(rnd.next() * 25);
  const strength = rnd.uniform(-0.25, 1); // below 0 the tint points the wrong way
  const sign = label === 1 ? 1 : -1;
  const base = [128 + sign * 40 * strength, 115, 128 - sign * 40 * strength];
  const px = Buffer.alloc(w * h * 3);
  // A clutter rectangle of a random colour, so the tint is not the only thing in the picture.
  const rx = Math.floor((rnd.next() * w) / 2),
    ry = Math.floor((rnd.next() * h) / 2);
  const rw = Math.floor(w / 3),
    rh = Math.floor(h / 3);
  const clutter = [rnd.next() * 255, rnd.next() * 255, rnd.next() * 255];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inRect = x >= rx && x < rx + rw && y >= ry && y < ry + rh;
      for (let c = 0; c < 3; c++) {
        const v = (inRect ? clutter[c] : base[c]) + rnd.uniform(-45, 45);
        // Quantised to 16 levels: PNGs of noise stay small (the replay is committed).
        px[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v / 17) * 17));
      }
    }
  }
  const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
  return index % 2 === 0 ? img.png().toBuffer() : img.jpeg({ quality: 80 }).toBuffer();
}

/** Writes the example under `dir`; returns the files written. */
export async function makeMultimodal(dir: string): Promise<string[]> {
  const rnd = new SeededRandom(17);
  const written: string[] = [];

  // The tokenizer, and the vocabulary the text model's embedding table follows.
  const words = [...NEUTRAL, ...POSITIVE, ...NEGATIVE, ...PUNCTUATION, 'ünïcode', 'cafe'];
  const tokJson = wordPieceTokenizerJson(words, PIECES) as { model: { vocab: Record<string, number> } };
  const tokPath = join(dir, 'tokenizer.json');
  writeTokenizerJson(tokPath, tokJson);
  written.push(tokPath);
  const vocab = tokJson.model.vocab;
  const V = Object.keys(vocab).length;
  const D = 3;
  const emb = new Float32Array(V * D);
  for (const [token, id] of Object.entries(vocab)) {
    emb[id * D] = POSITIVE.includes(token) ? 1 : NEGATIVE.includes(token) ? -1 : 0;
    emb[id * D + 1] = rnd.normal() * 0.3;
    emb[id * D + 2] = rnd.normal() * 0.3;
  }
  const models = join(dir, 'models');
  const paths = {
    text: join(models, 'text.onnx'),
    vision: join(models, 'vision.onnx'),
    v1: join(models, 'fusion-v1.onnx'),
    v2: join(models, 'fusion-v2.onnx'),
  };
  embeddingBagClassifier({
    ...PRODUCER,
    graphName: 'text',
    docString: 'text: embedding bag (dim 3) over WordPiece ids, seeded with word sentiment',
    vocab: V,
    dim: D,
    maxLength: 'L',
    embeddings: emb,
    dense: { weights: [-6, 6, 0, 0, 0, 0], bias: [0, 0] }, // logit(positive) − logit(negative) = 12 × mean sentiment
  }).writeModel(paths.text);
  // Filter 0 averages the red channel, filter 1 the blue one; +2 keeps them above ReLU's 0.
  const conv = new Float32Array(2 * 3 * 9);
  for (let k = 0; k < 9; k++) {
    conv[0 * 27 + 0 * 9 + k] = 1 / 9;
    conv[1 * 27 + 2 * 9 + k] = 1 / 9;
  }
  convImageClassifier({
    ...PRODUCER,
    graphName: 'vision',
    docString: 'vision: 3x3 conv (red, blue) + global average pool + dense, seeded',
    channels: 3,
    height: IMAGE_SIZE,
    width: IMAGE_SIZE,
    filters: 2,
    conv: { weights: conv, bias: [2, 2] },
    dense: { weights: [-2, 2, 2, -2], bias: [0, 0] },
  }).writeModel(paths.vision);
  // Fusions of [p_text(0), p_text(1), p_image(0), p_image(1)].
  logisticRegressionModel({
    ...PRODUCER,
    graphName: 'fusion_v1',
    docString: 'fusion-v1: leans on the text',
    weights: [0, 4, 0, 1.5],
    bias: -2.75,
  }).writeModel(paths.v1);
  logisticRegressionModel({
    ...PRODUCER,
    graphName: 'fusion_v2',
    docString: 'fusion-v2: text and image weighed equally',
    weights: [0, 3, 0, 3],
    bias: -3,
  }).writeModel(paths.v2);
  written.push(paths.text, paths.vision, paths.v1, paths.v2);

  const rows: Row[] = [];
  for (let i = 0; i < 300; i++) {
    const label = rnd.next() < 0.5 ? 1 : 0;
    rows.push({ text: review(rnd, label), image: await poster(rnd, label, i), label });
  }
  const lines = rows.map((r, i) => JSON.stringify({ id: i, review: r.text, poster: r.image.toString('base64'), label: r.label }));
  // Bad rows a real replay has: counted by reason, never a crash.
  const jpeg = rows[1].image;
  lines.splice(50, 0, JSON.stringify({ id: 'empty-image', review: 'the movie', poster: '', label: 1 }));
  lines.splice(
    120,
    0,
    JSON.stringify({ id: 'truncated-jpeg', review: 'a good film', poster: jpeg.subarray(0, jpeg.length >> 1).toString('base64'), label: 1 }),
  );
  lines.splice(200, 0, JSON.stringify({ id: 'not-base64', review: 'dull plot', poster: 'see attachment!', label: 0 }));
  const data = join(dir, 'data', 'replay.jsonl');
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(data, `${lines.join('\n')}\n`);
  written.push(data);
  return written;
}
