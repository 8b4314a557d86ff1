/**
 * The multi-modal example end to end through the real `m4c run`: tokenizer and image ops feeding
 * ONNX models and a fusion A/B. Its scores equal an independent pipeline (the tokenizer library's
 * encode, sharp's own resize, onnxruntime on the same files); the replay's bad rows (an empty image,
 * a truncated JPEG, text that is not base64) are counted by reason; batching does not change results.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
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
