/**
 * Regenerates the example models and replay data, deterministically:
 *
 *   npx tsx examples/scripts/make-examples.ts [--out DIR]
 *
 * DIR defaults to the repository's `examples/`. Everything derives from fixed seeds (no
 * Math.random), so a rerun writes byte-identical files. The script trains in TypeScript, writes
 * ONNX with tools/onnx-build.ts, then loads the written files with onnxruntime-node and prints each
 * model's held-out AUROC and accuracy (informational: the numbers the examples' A/B runs will show).
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { embeddingModel, logisticRegressionModel, mlpModel } from '../../tools/onnx-build.ts';
import { accuracy, auroc } from './binary-metrics.ts';
import { writeCsv, writeJsonl } from './replay-writers.ts';
import { makeMultimodal } from './make-multimodal.ts';
import { makeEnsembleData, makeFraudData, sliceRows, type Dataset } from './synthetic-data.ts';
import { trainLogistic } from './train-logistic.ts';
import { trainMlp } from './train-mlp.ts';

const PRODUCER = { producerName: 'm4-examples', producerVersion: '1' };

function parseOut(argv: string[]): string {
  const i = argv.indexOf('--out');
  if (i >= 0 && argv[i + 1]) return resolve(argv[i + 1]);
  return fileURLToPath(new URL('..', import.meta.url));
}

async function main(): Promise<void> {
  const root = parseOut(process.argv.slice(2));
  const written: string[] = [];
  const report: string[] = [];

  // ---- fraud: v1 logistic regression vs v2 MLP on 30 features ------------------------------------
  {
    const all = makeFraudData(25_000, 1);
    const train = sliceRows(all, 0, 20_000);
    const replay = sliceRows(all, 20_000, 25_000);
    const v1 = trainLogistic(train, { iterations: 400, learningRate: 0.5, l2: 1e-4 });
    const v2 = trainMlp(train, {
      hidden: [16],
      activation: 'relu',
      epochs: 30,
      batchSize: 64,
      learningRate: 0.003,
      weightDecay: 1e-4,
      seed: 11,
    });
    const dir = join(root, 'fraud');
    const v1Path = join(dir, 'models', 'fraud-v1.onnx');
    const v2Path = join(dir, 'models', 'fraud-v2.onnx');
    logisticRegressionModel({
      ...PRODUCER,
      weights: v1.weights,
      bias: v1.bias,
      inputName: 'x',
      graphName: 'fraud_v1',
      docString: 'fraud-v1: logistic regression, 30 features, trained by examples/scripts/make-examples.ts',
    }).writeModel(v1Path);
    mlpModel({
      ...PRODUCER,
      layers: v2.layers,
      activation: 'relu',
      inputName: 'x',
      graphName: 'fraud_v2',
      docString: 'fraud-v2: MLP 30-16-1 (relu), trained by examples/scripts/make-examples.ts',
    }).writeModel(v2Path);
    writeJsonl(join(dir, 'data', 'replay.jsonl'), replay, 'tx');
    writeCsv(join(dir, 'data', 'replay.csv'), replay, 'f');
    written.push(v1Path, v2Path, join(dir, 'data', 'replay.jsonl'), join(dir, 'data', 'replay.csv'));

    const x = toF32(replay);
    const p1 = await positiveScores(v1Path, { x });
    const p2 = await positiveScores(v2Path, { x });
    report.push(`fraud     ${rate(replay)} positives in ${replay.rows} held-out rows`);
    report.push(line('fraud-v1 (logistic)', p1, replay, v1.trainLoss));
    report.push(line('fraud-v2 (mlp 16)', p2, replay, v2.trainLoss));
  }

  // ---- ensemble: two members averaged, and an embedding model feeding a head -------------------
  {
    const all = makeEnsembleData(14_000, 2);
    const train = sliceRows(all, 0, 12_000);
    const replay = sliceRows(all, 12_000, 14_000);
    const a = trainMlp(train, {
      hidden: [16],
      activation: 'relu',
      epochs: 30,
      batchSize: 64,
      learningRate: 0.003,
      weightDecay: 1e-4,
      seed: 41,
    });
    const b = trainMlp(train, {
      hidden: [12],
      activation: 'tanh',
      epochs: 30,
      batchSize: 64,
      learningRate: 0.003,
      weightDecay: 1e-4,
      seed: 21,
    });
    const e = trainMlp(train, {
      hidden: [8],
      activation: 'relu',
      epochs: 30,
      batchSize: 64,
      learningRate: 0.003,
      weightDecay: 1e-4,
      seed: 31,
    });
    const dir = join(root, 'ensemble');
    const paths = {
      a: join(dir, 'models', 'member-a.onnx'),
      b: join(dir, 'models', 'member-b.onnx'),
      embed: join(dir, 'models', 'embed.onnx'),
      head: join(dir, 'models', 'head.onnx'),
    };
    mlpModel({
      ...PRODUCER,
      layers: a.layers,
      activation: 'relu',
      inputName: 'x',
      graphName: 'member_a',
      docString: 'member-a: MLP 16-16-1 (relu)',
    }).writeModel(paths.a);
    mlpModel({
      ...PRODUCER,
      layers: b.layers,
      activation: 'tanh',
      inputName: 'x',
      graphName: 'member_b',
      docString: 'member-b: MLP 16-12-1 (tanh)',
    }).writeModel(paths.b);
    // One trained 16-8-1 network, cut after its hidden layer: the embedding is that layer's output
    // and the head is the last layer, a logistic regression on the embedding.
    const [hidden, last] = e.layers;
    embeddingModel({
      ...PRODUCER,
      layers: [hidden],
      activation: 'relu',
      inputName: 'x',
      outputName: 'embedding',
      graphName: 'embed',
      docString: 'embed: the relu hidden layer (16 -> 8) of a trained 16-8-1 MLP',
    }).writeModel(paths.embed);
    logisticRegressionModel({
      ...PRODUCER,
      weights: last.weights,
      bias: last.bias[0],
      inputName: 'embedding',
      graphName: 'head',
      docString: 'head: the output layer (8 -> 1) of the same MLP, on the embedding',
    }).writeModel(paths.head);
    writeJsonl(join(dir, 'data', 'replay.jsonl'), replay, 'features');
    written.push(paths.a, paths.b, paths.embed, paths.head, join(dir, 'data', 'replay.jsonl'));

    const x = toF32(replay);
    const pa = await positiveScores(paths.a, { x });
    const pb = await positiveScores(paths.b, { x });
    const mean = pa.map((v, i) => (v + pb[i]) / 2);
    const embedding = (await runModel(paths.embed, { x }))['embedding'];
    const ph = await positiveScores(paths.head, { embedding });
    report.push(`ensemble  ${rate(replay)} positives in ${replay.rows} held-out rows`);
    report.push(line('member-a (mlp 16, relu)', pa, replay, a.trainLoss));
    report.push(line('member-b (mlp 12, tanh)', pb, replay, b.trainLoss));
    report.push(line('mean(member-a, member-b)', mean, replay));
    report.push(line('head(embed(x))', ph, replay, e.trainLoss));
  }

  // ---- multimodal: text + image models and two fusions (examples/scripts/make-multimodal.ts) -------
  written.push(...(await makeMultimodal(join(root, 'multimodal'))));

  console.log('held-out results (models run by onnxruntime-node from the written files):');
  for (const l of report) console.log(`  ${l}`);
  let total = 0;
  console.log('files:');
  for (const p of written) {
    const size = statSync(p).size;
    total += size;
    console.log(`  ${(size / 1024).toFixed(1).padStart(8)} KiB  ${p}`);
  }
  console.log(`  ${(total / 1024).toFixed(1).padStart(8)} KiB  total`);
}

function toF32(d: Dataset): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.from(d.x), [d.rows, d.cols]);
}

async function runModel(path: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(path);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Column 1 of `probabilities`: the positive class's score per row. */
async function positiveScores(path: string, feeds: Record<string, ort.Tensor>): Promise<Float64Array> {
  const probs = (await runModel(path, feeds))['probabilities'];
  const data = probs.data as Float32Array;
  const rows = probs.dims[0];
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = data[2 * r + 1];
  return out;
}

function rate(d: Dataset): string {
  let pos = 0;
  for (let i = 0; i < d.rows; i++) pos += d.y[i];
  return `${((100 * pos) / d.rows).toFixed(1)}%`;
}

function line(name: string, scores: Float64Array, d: Dataset, trainLoss?: number): string {
  const loss = trainLoss === undefined ? '' : `  train log loss ${trainLoss.toFixed(4)}`;
  return `${name.padEnd(26)} AUROC ${auroc(scores, d.y).toFixed(4)}  accuracy ${accuracy(scores, d.y).toFixed(4)}${loss}`;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
