/**
 * The committed example models and replay data (written by examples/scripts/make-examples.ts):
 * they load in onnxruntime-node, have the documented signatures, and behave like classifiers.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { readOnnxSignature, type OnnxSignature } from '../../compiler/onnx-signature.ts';
import { auroc } from '../../examples/scripts/binary-metrics.ts';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const path = (rel: string) => examples + rel;

interface Replay {
  rows: number;
  x: Float32Array;
  labels: Uint8Array;
  ids: number[];
  regions: string[];
}

function readJsonl(rel: string, key: string, width: number): Replay {
  const lines = readFileSync(path(rel), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const x = new Float32Array(lines.length * width);
  const labels = new Uint8Array(lines.length);
  const ids: number[] = [];
  const regions: string[] = [];
  lines.forEach((l, r) => {
    const row = JSON.parse(l) as { id: number; label: number; region?: string } & Record<string, number[]>;
    expect(row[key]).toHaveLength(width);
    x.set(row[key], r * width);
    labels[r] = row.label;
    ids.push(row.id);
    if (row.region !== undefined) regions.push(row.region);
  });
  return { rows: lines.length, x, labels, ids, regions };
}

function brief(s: OnnxSignature): string {
  const f = (v: OnnxSignature['inputs'][number]) => `${v.name}: ${v.type.dtype}[${v.type.dims.join(', ')}]`;
  return `${s.inputs.map(f).join(', ')} -> ${s.outputs.map(f).join(', ')}`;
}

async function run(rel: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(path(rel));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** Probabilities in [0, 1], rows summing to 1, and `label` the arg-max; returns column 1. */
function checkClassifier(out: Record<string, ort.Tensor>, rows: number): Float32Array {
  const p = out.probabilities.data as Float32Array;
  const label = out.label.data as BigInt64Array;
  expect(out.probabilities.dims).toEqual([rows, 2]);
  expect(out.label.dims).toEqual([rows]);
  const positive = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const p0 = p[2 * r];
    const p1 = p[2 * r + 1];
    if (!(p0 >= 0 && p0 <= 1 && p1 >= 0 && p1 <= 1) || Math.abs(p0 + p1 - 1) > 1e-6) {
      throw new Error(`row ${r}: probabilities ${p0}, ${p1}`);
    }
    if (label[r] !== (p1 > p0 ? 1n : 0n)) throw new Error(`row ${r}: label ${label[r]} for ${p0}, ${p1}`);
    positive[r] = p1;
  }
  return positive;
}

describe('examples/fraud', () => {
  let replay: Replay;
  beforeAll(() => {
    replay = readJsonl('fraud/data/replay.jsonl', 'tx', 30);
  });

  it('models have the documented signature', () => {
    for (const m of ['fraud/models/fraud-v1.onnx', 'fraud/models/fraud-v2.onnx']) {
      const r = readOnnxSignature(path(m));
      if (!r.ok) throw new Error(`${m}: ${r.message}`);
      expect(brief(r.signature), m).toBe('x: f32[N, 30] -> label: i64[N], probabilities: f32[N, 2]');
    }
  });

  it('replay data: ~5,000 held-out rows, 30 features, ~30% positives, four regions', () => {
    expect(replay.rows).toBe(5000);
    const positives = replay.labels.reduce((a, b) => a + b, 0) / replay.rows;
    expect(positives).toBeGreaterThan(0.25);
    expect(positives).toBeLessThan(0.35);
    expect([...new Set(replay.regions)].sort()).toEqual(['apac', 'eu', 'latam', 'us']);
    expect(new Set(replay.ids).size).toBe(replay.rows);
  });

  it('replay.csv holds the same rows as replay.jsonl', () => {
    const lines = readFileSync(path('fraud/data/replay.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(['id', ...Array.from({ length: 30 }, (_, j) => `f${j}`), 'label', 'region'].join(','));
    expect(lines.length - 1).toBe(replay.rows);
    lines.slice(1).forEach((line, r) => {
      const cells = line.split(',');
      expect(Number(cells[0])).toBe(replay.ids[r]);
      for (let j = 0; j < 30; j++) {
        if (Math.fround(Number(cells[1 + j])) !== replay.x[r * 30 + j]) throw new Error(`row ${r} f${j}`);
      }
      expect(Number(cells[31])).toBe(replay.labels[r]);
      expect(cells[32]).toBe(replay.regions[r]);
    });
  });

  it('both models run on the replay; v2 ranks measurably better than v1', async () => {
    const x = new ort.Tensor('float32', replay.x, [replay.rows, 30]);
    const v1 = checkClassifier(await run('fraud/models/fraud-v1.onnx', { x }), replay.rows);
    const v2 = checkClassifier(await run('fraud/models/fraud-v2.onnx', { x }), replay.rows);
    const a1 = auroc(v1, replay.labels);
    const a2 = auroc(v2, replay.labels);
    expect(a1).toBeGreaterThan(0.7); // a useful baseline, not noise
    expect(a2 - a1).toBeGreaterThan(0.03);
  });
});

describe('examples/ensemble', () => {
  let replay: Replay;
  beforeAll(() => {
    replay = readJsonl('ensemble/data/replay.jsonl', 'features', 16);
  });

  it('models have the documented signatures', () => {
    const expected: Record<string, string> = {
      'ensemble/models/member-a.onnx': 'x: f32[N, 16] -> label: i64[N], probabilities: f32[N, 2]',
      'ensemble/models/member-b.onnx': 'x: f32[N, 16] -> label: i64[N], probabilities: f32[N, 2]',
      'ensemble/models/embed.onnx': 'x: f32[N, 16] -> embedding: f32[N, 8]',
      'ensemble/models/head.onnx': 'embedding: f32[N, 8] -> label: i64[N], probabilities: f32[N, 2]',
    };
    for (const [m, want] of Object.entries(expected)) {
      const r = readOnnxSignature(path(m));
      if (!r.ok) throw new Error(`${m}: ${r.message}`);
      expect(brief(r.signature), m).toBe(want);
    }
  });

  it('members run and their average ranks at least as well as the weaker member; embed feeds head', async () => {
    expect(replay.rows).toBe(2000);
    const x = new ort.Tensor('float32', replay.x, [replay.rows, 16]);
    const a = checkClassifier(await run('ensemble/models/member-a.onnx', { x }), replay.rows);
    const b = checkClassifier(await run('ensemble/models/member-b.onnx', { x }), replay.rows);
    const mean = a.map((v, i) => (v + b[i]) / 2);
    expect(auroc(mean, replay.labels)).toBeGreaterThanOrEqual(Math.min(auroc(a, replay.labels), auroc(b, replay.labels)));

    const { embedding } = await run('ensemble/models/embed.onnx', { x });
    expect(embedding.dims).toEqual([replay.rows, 8]);
    expect((embedding.data as Float32Array).every((v) => v >= 0)).toBe(true); // a relu layer
    const head = checkClassifier(await run('ensemble/models/head.onnx', { embedding }), replay.rows);
    expect(auroc(head, replay.labels)).toBeGreaterThan(0.75);
  });
});

it('committed example models and data stay small (< 3 MB in total)', () => {
  const files = [
    'fraud/models/fraud-v1.onnx',
    'fraud/models/fraud-v2.onnx',
    'fraud/data/replay.jsonl',
    'fraud/data/replay.csv',
    'ensemble/models/member-a.onnx',
    'ensemble/models/member-b.onnx',
    'ensemble/models/embed.onnx',
    'ensemble/models/head.onnx',
    'ensemble/data/replay.jsonl',
  ];
  const total = files.reduce((s, f) => s + statSync(path(f)).size, 0);
  expect(total).toBeLessThan(3 * 1024 * 1024);
});
