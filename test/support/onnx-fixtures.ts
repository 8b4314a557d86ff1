/**
 * ONNX fixture models for the compiler, runtime and `m4c init` tests, written on demand into a
 * test's temporary directory (nothing binary is committed for tests; the builder is the source).
 *
 * Every fixture is deterministic: weights come from {@link onnxFixtureParams}, which tests also use
 * to compute expected outputs by hand. Each entry below says what the fixture is for.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxModelBuilder, logisticRegressionModel, mlpModel, multiclassModel, regressionModel } from '../../tools/onnx-build.ts';
import { SeededRandom } from '../../tools/seeded-random.ts';

/** Weights rounded to 1/64 so that they are exact in f32 and hand computations stay exact-ish. */
function weights(rng: SeededRandom, n: number): number[] {
  return Array.from({ length: n }, () => Math.round(rng.normal() * 32) / 64);
}

const rng = new SeededRandom(20240917);

/** The parameters behind each fixture (row-major `[in, out]` weight matrices). */
export const onnxFixtureParams = {
  /** `score`, `fixedBatch`: score = σ(x·w + b), x f32[·, 4]. */
  score: { weights: weights(rng, 4), bias: 0.25 },
  /** `binary`, `batchSize`, `zipmap`: logistic regression on 4 features. */
  binary: { weights: weights(rng, 4), bias: -0.5 },
  /** `binary30`: logistic regression on 30 features (the fraud example's signature). */
  binary30: { weights: weights(rng, 30), bias: -0.75 },
  /** `mlp`: 4 → 6 (relu) → 2 (softmax). */
  mlp: {
    layers: [
      { inFeatures: 4, outFeatures: 6, weights: weights(rng, 24), bias: weights(rng, 6) },
      { inFeatures: 6, outFeatures: 2, weights: weights(rng, 12), bias: weights(rng, 2) },
    ],
  },
  /** `multiclass`: softmax(x·W + b), W [4, 3]. */
  multiclass: { weights: weights(rng, 12), bias: weights(rng, 3), classes: 3 },
  /** `regression`: variable = x·w + b, f32[N]. */
  regression: { weights: weights(rng, 4), bias: 1.5 },
  /** `multiInput`: score = σ(concat(amount, features)·w + b), amount f32[N,1], features f32[N,3]. */
  multiInput: { weights: weights(rng, 4), bias: 0.125 },
  /** `int64Input`: score = σ(f32(counts)·w + b), counts i64[N, 3]. */
  int64Input: { weights: weights(rng, 3), bias: -0.25 },
  /** `nonIdentifier`: `39` = softmax(flatten(`onnx::Flatten_0`)·Wᵀ + b), W stored [2, 4] (PyTorch layout). */
  nonIdentifier: { weightsOutIn: weights(rng, 8), bias: weights(rng, 2) },
  /** `multiOutput`: embedding = relu(x·W1 + b1) [N, 8]; logits = embedding·W2 + b2 [N, 3]; softmax; argmax. */
  multiOutput: {
    w1: weights(rng, 32),
    b1: weights(rng, 8),
    w2: weights(rng, 24),
    b2: weights(rng, 3),
  },
} as const;

/** The fixture names `makeOnnxFixtures` returns paths for. */
export const ONNX_FIXTURE_NAMES = [
  'score',
  'binary',
  'binary30',
  'mlp',
  'multiclass',
  'regression',
  'multiInput',
  'int64Input',
  'nonIdentifier',
  'fixedBatch',
  'batchSize',
  'multiOutput',
  'zipmap',
  'allTypes',
  'unknownDim',
  'initializerAsInput',
  'unsupportedOutputs',
  'float16Input',
  'notOnnx',
  'truncated',
  'empty',
] as const;

export type OnnxFixtureName = (typeof ONNX_FIXTURE_NAMES)[number];

/**
 * Write every fixture into `dir` (created if needed) and return its path by name. Cheap (a few
 * milliseconds): call it in a `beforeAll` with a fresh temporary directory.
 *
 * - `score`: x f32[N,4] → score f32[N,1] (one sigmoid score column)
 * - `binary`: x f32[N,4] → label i64[N], probabilities f32[N,2] (sklearn-onnx, zipmap=False)
 * - `binary30`: the same on x f32[N,30], the fraud example's signature
 * - `mlp`: x f32[N,4] → label, probabilities f32[N,2] through a relu hidden layer
 * - `multiclass`: x f32[N,4] → label i64[N], probabilities f32[N,3]
 * - `regression`: x f32[N,4] → variable f32[N]
 * - `multiInput`: amount f32[N,1], features f32[N,3] → score f32[N,1]
 * - `int64Input`: counts i64[N,3] → score f32[N,1]
 * - `nonIdentifier`: `onnx::Flatten_0` f32[N,4] → `39` f32[N,2] (a PyTorch export's names)
 * - `fixedBatch`: x f32[1,4] → score f32[1,1]
 * - `batchSize`: float_input f32[batch_size,4] → label i64[batch_size], probabilities f32[batch_size,2]
 * - `multiOutput`: x f32[N,4] → embedding f32[N,8], logits f32[N,3], probabilities f32[N,3], label i64[N]
 * - `zipmap`: float_input f32[N,4] → output_label i64[N], output_probability seq(map(int64,tensor(float)))
 *   (sklearn-onnx's default; the second output is unsupported, the first usable)
 * - `allTypes`: one input per dtype (f32, f64, i32, i64, bool, str) passed through Identity
 * - `unknownDim`: x f32[?,4] (a dimension with neither value nor name) → y f32[?,4]
 * - `initializerAsInput`: inputs x f32[N,4] and W (also an initializer, so not a real input) → score
 * - `unsupportedOutputs`: x f32[N,4] → y f32[N,4], half FLOAT16[N,4], shapeless f32 (no shape)
 * - `float16Input`: an input of element type FLOAT16 (the whole model is unsupported)
 * - `notOnnx`: a text file named `.onnx`; `truncated`: the first half of `binary`; `empty`: 0 bytes
 */
export function makeOnnxFixtures(dir: string): Record<OnnxFixtureName, string> {
  mkdirSync(dir, { recursive: true });
  const paths = {} as Record<OnnxFixtureName, string>;
  const write = (name: OnnxFixtureName, b: OnnxModelBuilder): Uint8Array => {
    paths[name] = join(dir, `${name}.onnx`);
    return b.writeModel(paths[name]);
  };
  const P = onnxFixtureParams;

  write('score', scoreModel(['N', 4]));
  const binaryBytes = write('binary', logisticRegressionModel({ ...P.binary, graphName: 'binary' }));
  write('binary30', logisticRegressionModel({ ...P.binary30, graphName: 'binary30' }));
  write('mlp', mlpModel({ layers: [...P.mlp.layers], graphName: 'mlp' }));
  write('multiclass', multiclassModel({ ...P.multiclass, graphName: 'multiclass' }));
  write('regression', regressionModel({ ...P.regression, graphName: 'regression' }));
  write('multiInput', multiInputModel());
  write('int64Input', int64InputModel());
  write('nonIdentifier', nonIdentifierModel());
  write('fixedBatch', scoreModel([1, 4]));
  write(
    'batchSize',
    logisticRegressionModel({
      ...P.binary,
      inputName: 'float_input',
      batchDim: 'batch_size',
      graphName: 'batch_size',
      producerName: 'skl2onnx',
      producerVersion: '1.16.0',
    }),
  );
  write('multiOutput', multiOutputModel());
  write('zipmap', zipmapModel());
  write('allTypes', allTypesModel());
  write('unknownDim', unknownDimModel());
  write('initializerAsInput', initializerAsInputModel());
  write('unsupportedOutputs', unsupportedOutputsModel());
  write('float16Input', float16InputModel());

  paths.notOnnx = join(dir, 'not-onnx.onnx');
  writeFileSync(paths.notOnnx, 'this is a text file, not an ONNX model\n');
  paths.truncated = join(dir, 'truncated.onnx');
  writeFileSync(paths.truncated, binaryBytes.subarray(0, Math.floor(binaryBytes.length / 2)));
  paths.empty = join(dir, 'empty.onnx');
  writeFileSync(paths.empty, new Uint8Array(0));
  return paths;
}

function scoreModel(dims: [string | number, number]): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'score' });
  const x = b.input('x', 'f32', dims);
  const z = b.gemm(x, b.constF32(onnxFixtureParams.score.weights, [4, 1], 'W'), b.constF32([onnxFixtureParams.score.bias], [1], 'B'));
  b.sigmoid(z, 'score');
  b.output('score', 'f32', [dims[0], 1]);
  return b;
}

function multiInputModel(): OnnxModelBuilder {
  const p = onnxFixtureParams.multiInput;
  const b = new OnnxModelBuilder({ graphName: 'multi_input' });
  const amount = b.input('amount', 'f32', ['N', 1]);
  const features = b.input('features', 'f32', ['N', 3]);
  const x = b.concat([amount, features], 1);
  b.sigmoid(b.gemm(x, b.constF32(p.weights, [4, 1], 'W'), b.constF32([p.bias], [1], 'B')), 'score');
  b.output('score', 'f32', ['N', 1]);
  return b;
}

function int64InputModel(): OnnxModelBuilder {
  const p = onnxFixtureParams.int64Input;
  const b = new OnnxModelBuilder({ graphName: 'int64_input' });
  const x = b.cast(b.input('counts', 'i64', ['N', 3]), 'f32');
  b.sigmoid(b.gemm(x, b.constF32(p.weights, [3, 1], 'W'), b.constF32([p.bias], [1], 'B')), 'score');
  b.output('score', 'f32', ['N', 1]);
  return b;
}

/** Names as `torch.onnx.export` writes them: `onnx::Flatten_0` in, `39` out, `fc.weight` stored [out, in]. */
function nonIdentifierModel(): OnnxModelBuilder {
  const p = onnxFixtureParams.nonIdentifier;
  const b = new OnnxModelBuilder({ graphName: 'main_graph', producerName: 'pytorch', producerVersion: '2.3.0' });
  const x = b.input('onnx::Flatten_0', 'f32', ['N', 4]);
  const flat = b.flatten(x, 1, '/Flatten_output_0');
  const w = b.initializer('fc.weight', Float32Array.from(p.weightsOutIn), [2, 4]);
  const bias = b.initializer('fc.bias', Float32Array.from(p.bias), [2]);
  const logits = b.gemm(flat, w, bias, { transB: true, out: '/fc/Gemm_output_0' });
  b.softmax(logits, 1, '39');
  b.output('39', 'f32', ['N', 2]);
  return b;
}

function multiOutputModel(): OnnxModelBuilder {
  const p = onnxFixtureParams.multiOutput;
  const b = new OnnxModelBuilder({ graphName: 'multi_output' });
  const x = b.input('x', 'f32', ['N', 4]);
  b.relu(b.gemm(x, b.constF32(p.w1, [4, 8], 'W1'), b.constF32(p.b1, [8], 'B1')), 'embedding');
  b.gemm('embedding', b.constF32(p.w2, [8, 3], 'W2'), b.constF32(p.b2, [3], 'B2'), { out: 'logits' });
  b.softmax('logits', 1, 'probabilities');
  b.argMax('probabilities', 1, false, 'label');
  b.output('embedding', 'f32', ['N', 8]);
  b.output('logits', 'f32', ['N', 3]);
  b.output('probabilities', 'f32', ['N', 3]);
  b.output('label', 'i64', ['N']);
  return b;
}

/** sklearn-onnx's default output pair: a label tensor and a ZipMap `seq(map(int64, float))`. */
function zipmapModel(): OnnxModelBuilder {
  const p = onnxFixtureParams.binary;
  const b = new OnnxModelBuilder({ graphName: 'zipmap', producerName: 'skl2onnx', producerVersion: '1.16.0' });
  const x = b.input('float_input', 'f32', ['N', 4]);
  const p1 = b.sigmoid(b.gemm(x, b.constF32(p.weights, [4, 1], 'coef'), b.constF32([p.bias], [1], 'intercept')));
  const probs = b.concat([b.sub(b.constF32([1], [1], 'one'), p1), p1], 1, 'probabilities');
  b.argMax(probs, 1, false, 'output_label');
  b.zipMap(probs, [0, 1], 'output_probability');
  b.output('output_label', 'i64', ['N']);
  b.outputSeqOfMaps('output_probability', 'i64', 'f32');
  return b;
}

function allTypesModel(): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'all_types' });
  const specs = [
    ['a_f32', 'f32', ['N', 2]],
    ['b_f64', 'f64', ['N']],
    ['c_i32', 'i32', ['N']],
    ['d_i64', 'i64', ['N', 3]],
    ['e_bool', 'bool', ['N']],
    ['f_str', 'str', ['N']],
  ] as const;
  for (const [name, dtype, dims] of specs) {
    b.identity(b.input(name, dtype, [...dims]), `${name}_out`);
    b.output(`${name}_out`, dtype, [...dims]);
  }
  return b;
}

function unknownDimModel(): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'unknown_dim' });
  b.identity(b.input('x', 'f32', [null, 4]), 'y');
  b.output('y', 'f32', [null, 4]);
  return b;
}

function initializerAsInputModel(): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'initializer_as_input' });
  const x = b.input('x', 'f32', ['N', 4]);
  // Listed as a graph input too: a default-valued parameter, which the signature must not count.
  b.initializer('W', Float32Array.from(onnxFixtureParams.score.weights), [4, 1], { alsoGraphInput: true });
  b.sigmoid(b.matMul(x, 'W'), 'score');
  b.output('score', 'f32', ['N', 1]);
  return b;
}

const FLOAT16 = 10;

function unsupportedOutputsModel(): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'unsupported_outputs' });
  const x = b.input('x', 'f32', ['N', 4]);
  b.identity(x, 'y');
  b.cast(x, FLOAT16, 'half');
  b.relu(x, 'shapeless');
  b.output('y', 'f32', ['N', 4]);
  b.output('half', FLOAT16, ['N', 4]);
  b.output('shapeless', 'f32', null);
  return b;
}

function float16InputModel(): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'float16_input' });
  b.cast(b.input('h', FLOAT16, ['N', 4]), 'f32', 'y');
  b.output('y', 'f32', ['N', 4]);
  return b;
}
