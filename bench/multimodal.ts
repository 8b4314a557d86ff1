/**
 * Throughput of the text and image ops next to the libraries they wrap, measured in the same run:
 *
 *   npx tsx bench/multimodal.ts [--images 160] [--texts 20000] [--rounds 3]
 *
 * Images: 640×480 JPEGs (seeded) → 224×224 RGB, f32 NCHW, per-channel mean/std.
 *   - sharp alone: `sharp(buf).resize(224, 224).removeAlpha().raw().toBuffer()` for a batch at once
 *     (Promise.all), then the f32 conversion and normalisation in a plain loop: what one would write
 *     by hand;
 *   - m4 ops: decode_image → resize → to_tensor → standardize(axis: 1) kernels on the same batches;
 *   - m4c run: the real command as a process on a JSONL replay of the same images (base64), through a
 *     global-average-pool ONNX model; rows/s from its summary (includes JSON parsing and base64).
 * Texts: the library's own encode in a loop (it has no batch encode) against `tokenize` on the batch.
 * Figures are the best of `--rounds` alternating rounds (the machine is shared: see the load caveat
 * printed at the end).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import sharp from 'sharp';
import { decodeImage } from '../stdlib/ops/decode-image.ts';
import { resize } from '../stdlib/ops/resize.ts';
import { standardize } from '../stdlib/ops/standardize.ts';
import { toTensor } from '../stdlib/ops/to-tensor.ts';
import { tokenize } from '../stdlib/ops/tokenize.ts';
import type { Tensor } from '../stdlib/types.ts';
import { OnnxModelBuilder, wordPieceTokenizerJson, writeTokenizerJson } from '../tools/onnx-build.ts';
import { SeededRandom } from '../tools/seeded-random.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const IMAGES = arg('images', 160),
  TEXTS = arg('texts', 20000),
  ROUNDS = arg('rounds', 3),
  BATCH = 32;
const MEAN = [0.485, 0.456, 0.406],
  STD = [0.229, 0.224, 0.225];
const dir = mkdtempSync(join(tmpdir(), 'm4-bench-mm-'));
const rnd = new SeededRandom(5);

async function makeJpegs(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const px = Buffer.alloc(640 * 480 * 3);
    for (let p = 0; p < 640 * 480; p++) {
      px[p * 3] = ((p % 640) * 255) / 640;
      px[p * 3 + 1] = (Math.floor(p / 640) * 255) / 480;
      px[p * 3 + 2] = Math.floor(rnd.next() * 256);
    }
    out.push(
      await sharp(px, { raw: { width: 640, height: 480, channels: 3 } })
        .jpeg({ quality: 85 })
        .toBuffer(),
    );
  }
  return out;
}

async function sharpAlone(batch: Buffer[]): Promise<Float32Array> {
  const plane = 224 * 224;
  const out = new Float32Array(batch.length * 3 * plane);
  const pixels = await Promise.all(batch.map((b) => sharp(b).resize(224, 224).removeAlpha().raw().toBuffer()));
  pixels.forEach((px, r) => {
    for (let c = 0; c < 3; c++) {
      const o = r * 3 * plane + c * plane;
      for (let p = 0; p < plane; p++) out[o + p] = (px[p * 3 + c] / 255 - MEAN[c]) / STD[c];
    }
  });
  return out;
}

async function m4Ops(batch: Buffer[]): Promise<Tensor> {
  const ctx = {
    rejectRow: () => {
      throw new Error('unexpected rejection');
    },
  };
  const img = decodeImage.kernel([{ dtype: 'bytes', data: batch, dims: [batch.length] }], { channels: 3, max_pixels: 40_000_000 }, ctx);
  const small = resize.kernel([img], { width: 224, height: 224, fit: 'cover' });
  const t = await toTensor.kernelAsync!([small], { layout: 'nchw', dtype: 'f32', scale: true }, ctx);
  return standardize.kernel([t], { mean: MEAN, std: STD, axis: 1 });
}

async function timeIt(f: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

async function imagesPerSecond(jpegs: Buffer[], f: (b: Buffer[]) => Promise<unknown>): Promise<number> {
  const s = await timeIt(async () => {
    for (let i = 0; i < jpegs.length; i += BATCH) await f(jpegs.slice(i, i + BATCH));
  });
  return jpegs.length / s;
}

function m4cRun(jpegs: Buffer[]): number {
  const model = new OnnxModelBuilder({ graphName: 'pool' });
  const x = model.input('pixels', 'f32', ['N', 3, 224, 224]);
  model.flatten(model.node('GlobalAveragePool', [x])[0], 1, 'mean');
  model.output('mean', 'f32', ['N', 3]);
  model.writeModel(join(dir, 'pool.onnx'));
  writeFileSync(join(dir, 'images.jsonl'), `${jpegs.map((b, i) => JSON.stringify({ id: i, photo: b.toString('base64') })).join('\n')}\n`);
  writeFileSync(
    join(dir, 'g.m4'),
    [
      'input photo: bytes[batch]',
      'model pool = onnx("pool.onnx")',
      `node pixels = standardize(to_tensor(resize(decode_image(photo), width: 224, height: 224)), mean: [${MEAN}], std: [${STD}], axis: 1)`,
      'output mean = pool(pixels: pixels)',
    ].join('\n'),
  );
  const r = spawnSync(
    process.execPath,
    [
      join(import.meta.dirname, '../bin/m4c.js'),
      'run',
      join(dir, 'g.m4'),
      '--data',
      join(dir, 'images.jsonl'),
      '--batch-size',
      String(BATCH),
      '--out',
      join(dir, 'out.jsonl'),
    ],
    { encoding: 'utf8' },
  );
  const m = /\(([\d,]+) rows\/s\)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`m4c run failed: ${r.stderr}`);
  return Number(m[1].replace(/,/g, ''));
}

function texts(): string[] {
  const words = ['the', 'movie', 'was', 'great', 'boring', 'actors', 'plot', 'and', 'a', 'story', 'ending', 'music'];
  return Array.from({ length: TEXTS }, () =>
    Array.from({ length: 5 + Math.floor(rnd.next() * 40) }, () => words[Math.floor(rnd.next() * words.length)] + (rnd.next() < 0.1 ? 's' : '')).join(
      ' ',
    ),
  );
}

async function main(): Promise<void> {
  const jpegs = await makeJpegs();
  const tokPath = join(dir, 'tokenizer.json');
  writeTokenizerJson(
    tokPath,
    wordPieceTokenizerJson(['the', 'movie', 'was', 'great', 'boring', 'actors', 'plot', 'and', 'a', 'story', 'ending', 'music'], ['##s']),
  );
  const lib = new Tokenizer(JSON.parse(readFileSync(tokPath, 'utf8')), {});
  const corpus = texts();
  const best = { sharp: 0, ops: 0, run: 0, enc: 0, tok: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    best.sharp = Math.max(best.sharp, await imagesPerSecond(jpegs, sharpAlone));
    best.ops = Math.max(best.ops, await imagesPerSecond(jpegs, m4Ops));
    best.enc = Math.max(
      best.enc,
      TEXTS /
        (await timeIt(() => {
          for (const t of corpus) lib.encode(t);
        })),
    );
    best.tok = Math.max(
      best.tok,
      TEXTS /
        (await timeIt(() =>
          tokenize.kernel([{ dtype: 'str', data: corpus.slice(), dims: [TEXTS] }], {
            tokenizer: tokPath,
            max_length: 64,
            padding: 'max_length',
            truncation: true,
            add_special_tokens: true,
            result: 'input_ids',
          }),
        )),
    );
  }
  best.run = m4cRun(jpegs);
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`images: ${IMAGES} JPEGs 640×480 → 224×224 f32 NCHW, normalised, batches of ${BATCH} (best of ${ROUNDS})`);
  console.log(`  sharp alone (decode+resize+raw, f32 loop)  ${f(best.sharp).padStart(8)} images/s`);
  console.log(`  m4 ops (decode_image→…→standardize)        ${f(best.ops).padStart(8)} images/s  (${(best.ops / best.sharp).toFixed(2)}× sharp)`);
  console.log(`  m4c run end to end (JSONL base64 + model)  ${f(best.run).padStart(8)} images/s  (${(best.run / best.sharp).toFixed(2)}× sharp)`);
  console.log(`texts: ${f(TEXTS)} reviews of 5–45 words, WordPiece, max_length 64 (best of ${ROUNDS})`);
  console.log(`  @huggingface/tokenizers encode loop        ${f(best.enc).padStart(8)} rows/s`);
  console.log(`  m4 tokenize (input_ids, padded)            ${f(best.tok).padStart(8)} rows/s  (${(best.tok / best.enc).toFixed(2)}× the library)`);
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (shared: figures are indicative)`,
  );
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
