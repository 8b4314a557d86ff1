import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OnnxModelBuilder,
  embeddingModel,
  logisticRegressionModel,
  mlpModel,
  multiclassModel,
  regressionModel,
  type DenseLayer,
} from '../../tools/onnx-build.ts';
import { SeededRandom } from '../../tools/seeded-random.ts';
import { makeOnnxFixtures, onnxFixtureParams, type OnnxFixtureName } from '../support/onnx-fixtures.ts';

// --- Hand computations in float64, the reference every ORT result is compared with. ------------

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** x [rows, in] · W [in, out] + b, row-major. */
function dense(x: ArrayLike<number>, rows: number, l: DenseLayer): Float64Array {
  const y = new Float64Array(rows * l.outFeatures);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < l.outFeatures; o++) {
      let s = l.bias[o];
      for (let i = 0; i < l.inFeatures; i++) s += x[r * l.inFeatures + i] * l.weights[i * l.outFeatures + o];
      y[r * l.outFeatures + o] = s;
    }
  }
  return y;
}

function softmaxRows(z: Float64Array, rows: number, k: number): Float64Array {
  const p = new Float64Array(z.length);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, z[r * k + j]);
    let s = 0;
    for (let j = 0; j < k; j++) s += p[r * k + j] = Math.exp(z[r * k + j] - m);
    for (let j = 0; j < k; j++) p[r * k + j] /= s;
  }
  return p;
}

function argMaxRows(p: ArrayLike<number>, rows: number, k: number): bigint[] {
  const out: bigint[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (p[r * k + j] > p[r * k + best]) best = j;
    out.push(BigInt(best));
  }
  return out;
}

/** [1 − σ(z), σ(z)] per row, sklearn's binary layout. */
function binaryProbs(z: Float64Array): Float64Array {
  const p = new Float64Array(z.length * 2);
  for (let r = 0; r < z.length; r++) {
    p[2 * r + 1] = sigmoid(z[r]);
    p[2 * r] = 1 - p[2 * r + 1];
  }
  return p;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol * Math.max(1, Math.abs(expected[i]))) {
      throw new Error(`element ${i}: ${actual[i]} vs expected ${expected[i]}`);
    }
  }
}

const rng = new SeededRandom(7);
function randomRows(rows: number, cols: number): Float32Array {
  const a = new Float32Array(rows * cols);
  for (let i = 0; i < a.length; i++) a[i] = Math.round(rng.normal() * 100) / 50;
  return a;
}

async function run(model: string | Uint8Array, feeds: Record<string, ort.Tensor>, fetches?: string[]) {
  // Severity 3 (errors only): the initializerAsInput fixture makes ORT warn, by design.
  const opts = { logSeverityLevel: 3 as const };
  const s = typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts);
  try {
    return fetches ? await s.run(feeds, fetches) : await s.run(feeds);
  } finally {
    await s.release();
  }
}

const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
const P = onnxFixtureParams;
const ROWS = 7;

let dir: string;
let fx: Record<OnnxFixtureName, string>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-onnx-build-'));
  fx = makeOnnxFixtures(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fixture models run in onnxruntime-node and match a hand computation', () => {
  it('score: σ(x·w + b) as f32[N,1]', async () => {
    const x = randomRows(ROWS, 4);
    const r = await run(fx.score, { x: f32(x, [ROWS, 4]) });
    expect(r.score.dims).toEqual([ROWS, 1]);
    const z = dense(x, ROWS, { inFeatures: 4, outFeatures: 1, weights: P.score.weights, bias: [P.score.bias] });
    expectClose(r.score.data as Float32Array, z.map(sigmoid));
  });

  it('binary and binary30: sklearn-style label and probabilities', async () => {
    for (const [path, p, f] of [
      [fx.binary, P.binary, 4],
      [fx.binary30, P.binary30, 30],
    ] as const) {
      const x = randomRows(ROWS, f);
      const r = await run(path, { x: f32(x, [ROWS, f]) });
      const probs = binaryProbs(dense(x, ROWS, { inFeatures: f, outFeatures: 1, weights: p.weights, bias: [p.bias] }));
      expect(r.probabilities.dims).toEqual([ROWS, 2]);
      expect(r.label.type).toBe('int64');
      expectClose(r.probabilities.data as Float32Array, probs);
      expect([...(r.label.data as BigInt64Array)]).toEqual(argMaxRows(probs, ROWS, 2));
    }
  });

  it('mlp: relu hidden layer then softmax', async () => {
    const x = randomRows(ROWS, 4);
    const r = await run(fx.mlp, { x: f32(x, [ROWS, 4]) });
    const [l1, l2] = P.mlp.layers;
    const probs = softmaxRows(
      dense(
        dense(x, ROWS, l1).map((v) => Math.max(0, v)),
        ROWS,
        l2,
      ),
      ROWS,
      2,
    );
    expectClose(r.probabilities.data as Float32Array, probs);
    expect([...(r.label.data as BigInt64Array)]).toEqual(argMaxRows(probs, ROWS, 2));
  });

  it('multiclass: three softmax columns summing to 1', async () => {
    const x = randomRows(ROWS, 4);
    const r = await run(fx.multiclass, { x: f32(x, [ROWS, 4]) });
    const probs = softmaxRows(dense(x, ROWS, { inFeatures: 4, outFeatures: 3, weights: P.multiclass.weights, bias: P.multiclass.bias }), ROWS, 3);
    expect(r.probabilities.dims).toEqual([ROWS, 3]);
    expectClose(r.probabilities.data as Float32Array, probs);
    expect([...(r.label.data as BigInt64Array)]).toEqual(argMaxRows(probs, ROWS, 3));
  });

  it('regression: f32[N]', async () => {
    const x = randomRows(ROWS, 4);
    const r = await run(fx.regression, { x: f32(x, [ROWS, 4]) });
    expect(r.variable.dims).toEqual([ROWS]);
    expectClose(
      r.variable.data as Float32Array,
      dense(x, ROWS, { inFeatures: 4, outFeatures: 1, weights: P.regression.weights, bias: [P.regression.bias] }),
    );
  });

  it('multiInput: two inputs concatenated', async () => {
    const amount = randomRows(ROWS, 1);
    const features = randomRows(ROWS, 3);
    const r = await run(fx.multiInput, { amount: f32(amount, [ROWS, 1]), features: f32(features, [ROWS, 3]) });
    const x = new Float64Array(ROWS * 4);
    for (let i = 0; i < ROWS; i++) {
      x[i * 4] = amount[i];
      x.set(features.subarray(i * 3, i * 3 + 3), i * 4 + 1);
    }
    expectClose(
      r.score.data as Float32Array,
      dense(x, ROWS, { inFeatures: 4, outFeatures: 1, weights: P.multiInput.weights, bias: [P.multiInput.bias] }).map(sigmoid),
    );
  });

  it('int64Input: counts cast to float', async () => {
    const counts = BigInt64Array.from({ length: ROWS * 3 }, (_, i) => BigInt(((i * 7) % 5) - 2));
    const r = await run(fx.int64Input, { counts: new ort.Tensor('int64', counts, [ROWS, 3]) });
    const z = dense(Array.from(counts, Number), ROWS, { inFeatures: 3, outFeatures: 1, weights: P.int64Input.weights, bias: [P.int64Input.bias] });
    expectClose(r.score.data as Float32Array, z.map(sigmoid));
  });

  it('nonIdentifier: `onnx::Flatten_0` in, `39` out, PyTorch weight layout', async () => {
    const x = randomRows(ROWS, 4);
    const r = await run(fx.nonIdentifier, { 'onnx::Flatten_0': f32(x, [ROWS, 4]) });
    // fc.weight is stored [out=2, in=4]; transpose to the reference's [in, out].
    const w = Array.from({ length: 8 }, (_, k) => P.nonIdentifier.weightsOutIn[(k % 2) * 4 + Math.floor(k / 2)]);
    const probs = softmaxRows(dense(x, ROWS, { inFeatures: 4, outFeatures: 2, weights: w, bias: P.nonIdentifier.bias }), ROWS, 2);
    expectClose(r['39'].data as Float32Array, probs);
  });

  it('fixedBatch: a [1, 4] input', async () => {
    const x = randomRows(1, 4);
    const r = await run(fx.fixedBatch, { x: f32(x, [1, 4]) });
    expect(r.score.dims).toEqual([1, 1]);
    expectClose(
      r.score.data as Float32Array,
      dense(x, 1, { inFeatures: 4, outFeatures: 1, weights: P.score.weights, bias: [P.score.bias] }).map(sigmoid),
    );
  });

  it('batchSize: sklearn names with a batch_size symbol', async () => {
    const x = randomRows(ROWS, 4);
    const r = await run(fx.batchSize, { float_input: f32(x, [ROWS, 4]) });
    expectClose(
      r.probabilities.data as Float32Array,
      binaryProbs(dense(x, ROWS, { inFeatures: 4, outFeatures: 1, weights: P.binary.weights, bias: [P.binary.bias] })),
    );
  });

  it('multiOutput: embedding, logits, probabilities and label agree', async () => {
    const x = randomRows(ROWS, 4);
    const r = await run(fx.multiOutput, { x: f32(x, [ROWS, 4]) });
    const p = P.multiOutput;
    const emb = dense(x, ROWS, { inFeatures: 4, outFeatures: 8, weights: p.w1, bias: p.b1 }).map((v) => Math.max(0, v));
    const logits = dense(emb, ROWS, { inFeatures: 8, outFeatures: 3, weights: p.w2, bias: p.b2 });
    const probs = softmaxRows(logits, ROWS, 3);
    expectClose(r.embedding.data as Float32Array, emb);
    expectClose(r.logits.data as Float32Array, logits);
    expectClose(r.probabilities.data as Float32Array, probs);
    expect([...(r.label.data as BigInt64Array)]).toEqual(argMaxRows(probs, ROWS, 3));
  });

  it('zipmap: loads (ai.onnx.ml ZipMap) and its tensor output runs', async () => {
    const x = randomRows(ROWS, 4);
    const r = await run(fx.zipmap, { float_input: f32(x, [ROWS, 4]) }, ['output_label']);
    const probs = binaryProbs(dense(x, ROWS, { inFeatures: 4, outFeatures: 1, weights: P.binary.weights, bias: [P.binary.bias] }));
    expect([...(r.output_label.data as BigInt64Array)]).toEqual(argMaxRows(probs, ROWS, 2));
  });

  it('allTypes: every dtype passes through unchanged', async () => {
    const feeds = {
      a_f32: f32(Float32Array.of(1.5, -2, 3, 4), [2, 2]),
      b_f64: new ort.Tensor('float64', Float64Array.of(1e-300, Math.PI), [2]),
      c_i32: new ort.Tensor('int32', Int32Array.of(-2147483648, 7), [2]),
      d_i64: new ort.Tensor('int64', BigInt64Array.of(2n ** 62n, -1n, 0n, 1n, 2n, 3n), [2, 3]),
      e_bool: new ort.Tensor('bool', Uint8Array.of(1, 0), [2]),
      f_str: new ort.Tensor('string', ['eu', 'ünï'], [2]),
    };
    const r = await run(fx.allTypes, feeds);
    for (const [k, t] of Object.entries(feeds)) {
      expect(r[`${k}_out`].type).toBe(t.type);
      expect(Array.from(r[`${k}_out`].data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
    }
  });

  it('unknownDim and initializerAsInput run; the initializer default is used', async () => {
    const x = randomRows(3, 4);
    expectClose((await run(fx.unknownDim, { x: f32(x, [3, 4]) })).y.data as Float32Array, x);
    const r = await run(fx.initializerAsInput, { x: f32(x, [3, 4]) });
    expectClose(r.score.data as Float32Array, dense(x, 3, { inFeatures: 4, outFeatures: 1, weights: P.score.weights, bias: [0] }).map(sigmoid));
  });
});

describe('factories', () => {
  it('mlpModel with tanh hidden layers and a single-logit head gives two probability columns', async () => {
    const r2 = new SeededRandom(3);
    const layers: DenseLayer[] = [
      { inFeatures: 5, outFeatures: 4, weights: r2.normalArray(20, 0.5), bias: r2.normalArray(4, 0.1) },
      { inFeatures: 4, outFeatures: 3, weights: r2.normalArray(12, 0.5), bias: r2.normalArray(3, 0.1) },
      { inFeatures: 3, outFeatures: 1, weights: r2.normalArray(3, 0.5), bias: r2.normalArray(1, 0.1) },
    ];
    const bytes = mlpModel({ layers, activation: 'tanh' }).build();
    const x = randomRows(ROWS, 5);
    const r = await run(bytes, { x: f32(x, [ROWS, 5]) });
    const h = dense(dense(x, ROWS, layers[0]).map(Math.tanh), ROWS, layers[1]).map(Math.tanh);
    const probs = binaryProbs(dense(h, ROWS, layers[2]));
    expectClose(r.probabilities.data as Float32Array, probs);
    expect([...(r.label.data as BigInt64Array)]).toEqual(argMaxRows(probs, ROWS, 2));
  });

  it('regressionModel keepColumn gives f32[N,1]; embeddingModel applies the activation to the last layer', async () => {
    const x = randomRows(ROWS, 2);
    const reg = await run(regressionModel({ weights: [2, -1], bias: 0.5, keepColumn: true, outputName: 'y' }).build(), { x: f32(x, [ROWS, 2]) });
    expect(reg.y.dims).toEqual([ROWS, 1]);
    expectClose(reg.y.data as Float32Array, dense(x, ROWS, { inFeatures: 2, outFeatures: 1, weights: [2, -1], bias: [0.5] }));
    const layer = { inFeatures: 2, outFeatures: 3, weights: [1, -1, 0.5, 2, 0, -3], bias: [0, 0.1, -0.1] };
    const emb = await run(embeddingModel({ layers: [layer], activation: 'sigmoid', batchDim: 'batch' }).build(), { x: f32(x, [ROWS, 2]) });
    expectClose(emb.embedding.data as Float32Array, dense(x, ROWS, layer).map(sigmoid));
  });

  it('custom names and a fixed batch dimension', async () => {
    const b = logisticRegressionModel({ weights: [1], bias: 0, inputName: 'in put', labelName: '0', probabilitiesName: 'p::1', batchDim: 2 });
    const r = await run(b.build(), { 'in put': f32(Float32Array.of(-1, 1), [2, 1]) });
    expect([...(r['0'].data as BigInt64Array)]).toEqual([0n, 1n]);
    expectClose(r['p::1'].data as Float32Array, [1 - sigmoid(-1), sigmoid(-1), 1 - sigmoid(1), sigmoid(1)]);
  });

  it('reject inconsistent layers', () => {
    expect(() => mlpModel({ layers: [] })).toThrow(/at least one layer/);
    expect(() => mlpModel({ layers: [{ inFeatures: 2, outFeatures: 2, weights: [1, 2, 3], bias: [0, 0] }] })).toThrow(/3 weights/);
    expect(() => multiclassModel({ weights: [1, 2, 3, 4, 5], bias: [0, 0], classes: 2 })).toThrow(/do not split/);
    expect(() =>
      mlpModel({
        layers: [
          { inFeatures: 1, outFeatures: 2, weights: [1, 1], bias: [0, 0] },
          { inFeatures: 3, outFeatures: 1, weights: [1, 1, 1], bias: [0] },
        ],
      }),
    ).toThrow(/takes 3 features/);
  });
});

describe('OnnxModelBuilder', () => {
  it('runs Slice, Gather, ReduceMean, Reshape, Unsqueeze, Mul, Div, MatMul, Add, Cast and Identity', async () => {
    const b = new OnnxModelBuilder();
    const x = b.input('x', 'f32', ['N', 4]);
    b.slice(x, [1], [3], [1], undefined, 'mid'); // columns 1..2
    b.gather(x, b.constI64([3, 0], [2], 'idx'), 1, 'picked'); // columns 3 and 0
    b.reduceMean(x, [1], false, 'mean'); // [N]
    b.unsqueeze(b.reshape(x, [-1]), [0], 'flat'); // [1, N*4]
    b.div(b.mul(x, b.constF32([2], [1])), b.constF32([4], [1]), 'half');
    b.add(b.matMul(x, b.constF32([1, 1, 1, 1], [4, 1])), b.constF32([0.5], [1]), 'rowsum');
    b.identity(b.cast(b.cast(x, 'i64'), 'f32'), 'truncated');
    b.slice(x, [3], [-5], [1], [-2], 'reversed'); // columns 3, 1
    for (const [name, dims] of [
      ['mid', ['N', 2]],
      ['picked', ['N', 2]],
      ['mean', ['N']],
      ['flat', [1, null]],
      ['half', ['N', 4]],
      ['rowsum', ['N', 1]],
      ['truncated', ['N', 4]],
      ['reversed', ['N', 2]],
    ] as const) {
      b.output(name, 'f32', [...dims]);
    }
    const x0 = Float32Array.of(1.5, -2.5, 3, 4, 0.25, 5, -6.75, 7);
    const r = await run(b.build(), { x: f32(x0, [2, 4]) });
    expectClose(r.mid.data as Float32Array, [-2.5, 3, 5, -6.75]);
    expectClose(r.picked.data as Float32Array, [4, 1.5, 7, 0.25]);
    expectClose(r.mean.data as Float32Array, [(1.5 - 2.5 + 3 + 4) / 4, (0.25 + 5 - 6.75 + 7) / 4]);
    expect(r.flat.dims).toEqual([1, 8]);
    expectClose(
      r.half.data as Float32Array,
      x0.map((v) => v / 2),
    );
    expectClose(r.rowsum.data as Float32Array, [6.5, 6]);
    expectClose(r.truncated.data as Float32Array, x0.map(Math.trunc));
    expectClose(r.reversed.data as Float32Array, [4, -2.5, 7, 5]);
  });

  it('writes f64, i32 and i64 initializers exactly (little-endian raw_data)', async () => {
    const b = new OnnxModelBuilder();
    b.input('unused', 'f32', [1]);
    b.identity(b.initializer('d', Float64Array.of(Math.PI, -1e-310), [2]), 'd_out');
    b.identity(b.initializer('i', Int32Array.of(-7, 2 ** 31 - 1), [2]), 'i_out');
    b.identity(b.initializer('l', BigInt64Array.of(-(2n ** 63n), 123456789012345n), [1, 2]), 'l_out');
    b.output('d_out', 'f64', [2]);
    b.output('i_out', 'i32', [2]);
    b.output('l_out', 'i64', [1, 2]);
    const r = await run(b.build(), { unused: f32(Float32Array.of(0), [1]) });
    expect([...(r.d_out.data as Float64Array)]).toEqual([Math.PI, -1e-310]);
    expect([...(r.i_out.data as Int32Array)]).toEqual([-7, 2 ** 31 - 1]);
    expect([...(r.l_out.data as BigInt64Array)]).toEqual([-(2n ** 63n), 123456789012345n]);
    expect(r.l_out.dims).toEqual([1, 2]);
  });

  it('rejects duplicate names, use before definition, missing outputs and wrong initializer sizes', () => {
    const dup = new OnnxModelBuilder();
    dup.input('x', 'f32', [1]);
    expect(() => dup.initializer('x', Float32Array.of(1), [1])).toThrow(/defined twice/);
    expect(() => dup.input('', 'f32', [1])).toThrow(/empty/);

    const early = new OnnxModelBuilder();
    early.input('x', 'f32', [1]);
    early.add('x', 'later', 'y');
    early.output('y', 'f32', [1]);
    expect(() => early.build()).toThrow(/reads `later` before it is defined/);

    const noOut = new OnnxModelBuilder();
    noOut.input('x', 'f32', [1]);
    expect(() => noOut.build()).toThrow(/at least one output/);
    noOut.output('nowhere', 'f32', [1]);
    expect(() => noOut.build()).toThrow(/`nowhere` is not produced/);

    const size = new OnnxModelBuilder();
    size.input('x', 'f32', [2]);
    size.add('x', size.initializer('w', Float32Array.of(1, 2, 3), [2]), 'y');
    size.output('y', 'f32', [2]);
    expect(() => size.build()).toThrow(/3 values for dims \[2\]/);
  });

  it('is deterministic: the same model twice gives the same bytes', () => {
    const a = logisticRegressionModel({ weights: [0.5, -0.25], bias: 1 }).build();
    const b = logisticRegressionModel({ weights: [0.5, -0.25], bias: 1 }).build();
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
