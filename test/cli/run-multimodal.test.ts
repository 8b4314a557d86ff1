/**
 * The multi-modal example end to end through the real `m4c run`: tokenizer and image ops feeding
 * ONNX models and a fusion A/B. Its scores equal an independent pipeline (the tokenizer library's
 * encode, sharp's own resize, onnxruntime on the same files); the replay's bad rows (an empty image,
 * a truncated JPEG, text that is not base64) are counted by reason; batching does not change results.
 * Images named by a path column (read_file) give the same pixels as the same images in base64.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, ROOT, runM4c } from '../support/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-run-mm-'));
const DIR = join(ROOT, 'examples/multimodal');

interface Row {
  id: number | string;
  review: string;
  poster: string;
  label: number;
}

async function reference(rows: Row[]): Promise<number[]> {
  const tok = new Tokenizer(JSON.parse(readFileSync(join(DIR, 'tokenizer.json'), 'utf8')), {});
  const L = 24;
  const ids = new BigInt64Array(rows.length * L);
  const mask = new BigInt64Array(rows.length * L);
  rows.forEach((r, i) => {
    let e: number[] = tok.encode(r.review).ids;
    if (e.length > L) e = [e[0], ...tok.encode(r.review, { add_special_tokens: false }).ids.slice(0, L - 2), e[e.length - 1]];
    e.forEach((id: number, j: number) => {
      ids[i * L + j] = BigInt(id);
      mask[i * L + j] = 1n;
    });
  });
  const S = 32;
  const pixels = new Float32Array(rows.length * 3 * S * S);
  for (let i = 0; i < rows.length; i++) {
    const px = await sharp(Buffer.from(rows[i].poster, 'base64')).resize(S, S, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < S * S; p++)
        pixels[i * 3 * S * S + c * S * S + p] = (Math.fround(px[p * 3 + c] / 255) - Math.fround(0.5)) / Math.fround(0.25);
    }
  }
  const run = async (model: string, feeds: Record<string, ort.Tensor>) => {
    const s = await ort.InferenceSession.create(join(DIR, 'models', model));
    try {
      return (await s.run(feeds)).probabilities.data as Float32Array;
    } finally {
      await s.release();
    }
  };
  const tp = await run('text.onnx', {
    input_ids: new ort.Tensor('int64', ids, [rows.length, L]),
    attention_mask: new ort.Tensor('int64', mask, [rows.length, L]),
  });
  const ip = await run('vision.onnx', { pixels: new ort.Tensor('float32', pixels, [rows.length, 3, S, S]) });
  const both = new Float32Array(rows.length * 4);
  for (let i = 0; i < rows.length; i++) both.set([tp[2 * i], tp[2 * i + 1], ip[2 * i], ip[2 * i + 1]], 4 * i);
  const fp = await run('fusion-v1.onnx', { x: new ort.Tensor('float32', both, [rows.length, 4]) });
  return rows.map((_, i) => fp[2 * i + 1]);
}

describe('examples/multimodal', () => {
  it('runs end to end: scores equal an independent pipeline, bad rows counted by reason, gates pass', async () => {
    const out = join(tmp, 'scores.jsonl');
    const r = runM4c(['run', 'examples/multimodal/ab.m4', '--db', join(tmp, 'ab.db'), '--format', 'json', '--out', out]);
    expect(r.stderr).toContain('rows read: 303, skipped: 3 (bad-base64: 1, image-empty: 1, image-truncated: 1)');
    expect(r.stderr).toMatch(/line 51: image-empty: node `pixels\/decode_image`: the image has 0 bytes/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout).comparisons[0];
    expect(c.result.rows).toBe(300);
    const auroc = c.result.metrics.find((m: { name: string }) => m.name === 'auroc');
    expect(auroc.treatment).toBeGreaterThan(auroc.control); // fusion-v2 uses the image too

    const lines = readFileSync(join(DIR, 'data/replay.jsonl'), 'utf8').trimEnd().split('\n');
    const scored = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { row: number; score: number });
    expect(scored).toHaveLength(300);
    const sample = scored.filter((_, i) => i % 15 === 0);
    const expected = await reference(sample.map((s) => JSON.parse(lines[s.row - 1]) as Row));
    sample.forEach((s, i) => expect(s.score, `line ${s.row}`).toBeCloseTo(expected[i], 5));
  }, 120_000);

  it('gives the same comparison whatever the batch size (rejected rows across batch boundaries)', () => {
    const a = runM4c(['run', 'examples/multimodal/ab.m4', '--db', join(tmp, 'b1.db'), '--format', 'json', '--quiet']);
    const b = runM4c(['run', 'examples/multimodal/ab.m4', '--db', join(tmp, 'b2.db'), '--format', 'json', '--quiet', '--batch-size', '7']);
    expect(b.code).toBe(0);
    const metrics = (s: string) => JSON.parse(s).comparisons[0].result.metrics;
    expect(metrics(b.stdout)).toEqual(metrics(a.stdout));
  }, 120_000);

  it('--on-bad-row fail stops at the first bad row with its line and reason (exit 3)', () => {
    const r = runM4c(['run', 'examples/multimodal/ab.m4', '--db', join(tmp, 'f.db'), '--on-bad-row', 'fail', '--quiet', '--limit', '100']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/node `pixels\/decode_image` \(.*ab\.m4:\d+:\d+\), row at line 51: image-empty: the image has 0 bytes/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  }, 120_000);
});

describe('read_file: images named by a path column', () => {
  /** A replay of paths and one of the same images in base64, with graphs that differ only in how they read them. */
  async function fixture(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'm4-run-paths-'));
    mkdirSync(join(dir, 'imgs', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'secret.png'), 'not for serving');
    symlinkSync(join(dir, 'secret.png'), join(dir, 'imgs', 'leak.png'));
    const paths: string[] = [];
    const b64: string[] = [];
    for (let i = 0; i < 12; i++) {
      const w = 9 + i;
      const h = 7 + (i % 4);
      const px = Buffer.alloc(w * h * 3);
      for (let k = 0; k < px.length; k++) px[k] = (k * 37 + i * 101 + ((k * k) % 13)) % 256;
      const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
      const buf = await (i % 2 === 0 ? img.png() : img.jpeg({ quality: 90 })).toBuffer();
      const rel = `sub/${i}.${i % 2 === 0 ? 'png' : 'jpg'}`;
      writeFileSync(join(dir, 'imgs', rel), buf);
      paths.push(JSON.stringify({ p: rel }));
      b64.push(JSON.stringify({ img: buf.toString('base64') }));
    }
    const bad = ['../secret.png', join(dir, 'secret.png'), 'leak.png', 'sub/nope.png', 'sub'];
    writeFileSync(join(dir, 'paths.jsonl'), [...paths, ...bad.map((p) => JSON.stringify({ p }))].join('\n') + '\n');
    writeFileSync(join(dir, 'b64.jsonl'), b64.join('\n') + '\n');
    const pipeline = (src: string) => `node px = to_tensor(resize(decode_image(${src}), width: 6, height: 5, fit: "fill"))\noutput pixels = px\n`;
    writeFileSync(join(dir, 'paths.m4'), `input p: str[batch]\nreplay "paths.jsonl"\n${pipeline('read_file(p, root: "imgs")')}`);
    writeFileSync(join(dir, 'b64.m4'), `input img: bytes[batch]\nreplay "b64.jsonl"\n${pipeline('img')}`);
    writeFileSync(join(dir, 'wrong-dtype.m4'), `input img: bytes[batch]\nreplay "b64.jsonl"\n${pipeline('read_file(img, root: "imgs")')}`);
    writeFileSync(join(dir, 'no-root.m4'), `input p: str[batch]\nreplay "paths.jsonl"\n${pipeline('read_file(p, root: "missing")')}`);
    return dir;
  }

  it('gives the pixels of the base64 path; paths leaving the root and missing files are counted by reason', async () => {
    const dir = await fixture();
    const byPath = runM4c(['run', join(dir, 'paths.m4'), '--out', join(dir, 'p.jsonl'), '--batch-size', '5']);
    const byB64 = runM4c(['run', join(dir, 'b64.m4'), '--out', join(dir, 'b.jsonl')]);
    expect(byPath.code).toBe(0);
    expect(byB64.code).toBe(0);
    expect(hasStackTrace(byPath.stderr)).toBe(false);
    expect(byPath.stderr).toContain('rows read: 17, skipped: 5 (path-outside-root: 3, file-missing: 1, file-not-regular: 1)');
    expect(byPath.stderr).toMatch(/line 13: path-outside-root: node `px\/read_file`: "\.\.\/secret\.png" goes up with \.\./);
    const p = readFileSync(join(dir, 'p.jsonl'), 'utf8');
    const b = readFileSync(join(dir, 'b.jsonl'), 'utf8');
    expect(p.trimEnd().split('\n')).toHaveLength(12);
    expect(p).toBe(b); // same rows (1..12), same pixels
    expect(p).not.toContain('not for serving');
  }, 120_000);

  it('a path column of the wrong dtype and a missing root are diagnostics', async () => {
    const dir = await fixture();
    const wrong = runM4c(['check', join(dir, 'wrong-dtype.m4')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr + wrong.stdout).toMatch(/read_file needs one path per row, str\[rows\], got bytes\[batch\]/);
    const noRoot = runM4c(['check', join(dir, 'no-root.m4')]);
    expect(noRoot.code).toBe(1);
    expect(noRoot.stderr + noRoot.stdout).toMatch(/M4007.*`read_file`.*`root`.*no directory/);
    expect(hasStackTrace(wrong.stderr + noRoot.stderr)).toBe(false);
  }, 120_000);
});
