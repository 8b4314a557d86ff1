/**
 * Ready-made model shapes on top of {@link OnnxModelBuilder}, with the output conventions of
 * sklearn-onnx (`zipmap=False`): a classifier has `label` (i64[N], the arg-max class) and
 * `probabilities` (f32[N, K], rows summing to 1); a regressor has `variable`.
 *
 * Weights are row-major `[in, out]` (so a layer is `Gemm(x, W) + b` without transposition), and
 * every factory returns the builder so a caller can add to the graph before `build()`.
 */
import type { Dim } from '../plan/tensor-type.ts';
import { OnnxModelBuilder, type ModelOptions } from './onnx-graph-builder.ts';

/** Options shared by every factory. */
export interface CommonModelOptions extends ModelOptions {
  /** Name of the single input (default `x`). */
  inputName?: string;
  /** The batch dimension of inputs and outputs: a symbol (`N`, default), a fixed size, or null. */
  batchDim?: Dim;
}

/** Names of a classifier's outputs (defaults `label`, `probabilities`, as sklearn-onnx). */
export interface ClassifierOutputNames {
  labelName?: string;
  probabilitiesName?: string;
}

/** A fully connected layer `y = x·W + b`, `W` row-major `[inFeatures, outFeatures]`. */
export interface DenseLayer {
  inFeatures: number;
  outFeatures: number;
  weights: ArrayLike<number>;
  bias: ArrayLike<number>;
}

export type Activation = 'relu' | 'tanh' | 'sigmoid';

/** Binary logistic regression: p₁ = σ(x·w + b), `probabilities` = [1 − p₁, p₁]. */
export function logisticRegressionModel(
  o: CommonModelOptions & ClassifierOutputNames & { weights: ArrayLike<number>; bias: number },
): OnnxModelBuilder {
  const f = o.weights.length;
  return classifierFromLayers(o, [{ inFeatures: f, outFeatures: 1, weights: o.weights, bias: [o.bias] }], 'relu');
}

/**
 * A multilayer perceptron classifier. Hidden layers use `activation` (default relu). A last layer
 * of width 1 is a binary logit (sigmoid, two probability columns); a wider one goes through softmax.
 */
export function mlpModel(o: CommonModelOptions & ClassifierOutputNames & { layers: DenseLayer[]; activation?: Activation }): OnnxModelBuilder {
  return classifierFromLayers(o, o.layers, o.activation ?? 'relu');
}

/** Multinomial logistic regression: `probabilities` = softmax(x·W + b) over `classes` columns. */
export function multiclassModel(
  o: CommonModelOptions & ClassifierOutputNames & { weights: ArrayLike<number>; bias: ArrayLike<number>; classes: number },
): OnnxModelBuilder {
  if (o.classes < 2) throw new Error('a multiclass model needs at least 2 classes');
  if (o.weights.length % o.classes !== 0) throw new Error(`${o.weights.length} weights do not split into ${o.classes} columns`);
  const f = o.weights.length / o.classes;
  return classifierFromLayers(o, [{ inFeatures: f, outFeatures: o.classes, weights: o.weights, bias: o.bias }], 'relu');
}

/**
 * Linear regression `x·w + b`. The output is f32[N] by default; `keepColumn` gives f32[N, 1] as
 * sklearn-onnx's LinearRegressor does.
 */
export function regressionModel(
  o: CommonModelOptions & { weights: ArrayLike<number>; bias: number; outputName?: string; keepColumn?: boolean },
): OnnxModelBuilder {
  const f = o.weights.length;
  const b = new OnnxModelBuilder({ graphName: 'regression', ...o });
  const batch = o.batchDim === undefined ? 'N' : o.batchDim;
  const x = b.input(o.inputName ?? 'x', 'f32', [batch, f]);
  const name = o.outputName ?? 'variable';
  const col = dense(b, x, { inFeatures: f, outFeatures: 1, weights: o.weights, bias: [o.bias] }, o.keepColumn ? name : undefined);
  if (o.keepColumn) {
    b.output(name, 'f32', [batch, 1]);
  } else {
    b.squeeze(col, [1], name);
    b.output(name, 'f32', [batch]);
  }
  return b;
}

/**
 * A feature extractor: every layer followed by `activation`, output f32[N, lastWidth] named
 * `outputName` (default `embedding`). Feeding it into a classifier is a two-model graph.
 */
export function embeddingModel(o: CommonModelOptions & { layers: DenseLayer[]; activation?: Activation; outputName?: string }): OnnxModelBuilder {
  checkLayers(o.layers);
  const b = new OnnxModelBuilder({ graphName: 'embedding', ...o });
  const batch = o.batchDim === undefined ? 'N' : o.batchDim;
  let h = b.input(o.inputName ?? 'x', 'f32', [batch, o.layers[0].inFeatures]);
  const name = o.outputName ?? 'embedding';
  o.layers.forEach((layer, i) => {
    h = activate(b, dense(b, h, layer), o.activation ?? 'relu', i === o.layers.length - 1 ? name : undefined);
  });
  b.output(name, 'f32', [batch, o.layers[o.layers.length - 1].outFeatures]);
  return b;
}

function classifierFromLayers(o: CommonModelOptions & ClassifierOutputNames, layers: DenseLayer[], activation: Activation): OnnxModelBuilder {
  checkLayers(layers);
  const b = new OnnxModelBuilder({ graphName: 'classifier', ...o });
  const batch = o.batchDim === undefined ? 'N' : o.batchDim;
  let h = b.input(o.inputName ?? 'x', 'f32', [batch, layers[0].inFeatures]);
  for (let i = 0; i < layers.length - 1; i++) h = activate(b, dense(b, h, layers[i]), activation);
  const last = layers[layers.length - 1];
  const logits = dense(b, h, last);
  const probsName = o.probabilitiesName ?? 'probabilities';
  const labelName = o.labelName ?? 'label';
  let classes: number;
  if (last.outFeatures === 1) {
    // sklearn's binary layout: column 0 is the negative class, column 1 the positive one.
    const p1 = b.sigmoid(logits);
    const p0 = b.sub(b.constF32([1], [1], 'one'), p1);
    b.concat([p0, p1], 1, probsName);
    classes = 2;
  } else {
    b.softmax(logits, 1, probsName);
    classes = last.outFeatures;
  }
  b.argMax(probsName, 1, false, labelName);
  b.output(labelName, 'i64', [batch]);
  b.output(probsName, 'f32', [batch, classes]);
  return b;
}

function dense(b: OnnxModelBuilder, x: string, layer: DenseLayer, out?: string): string {
  const w = b.constF32(layer.weights, [layer.inFeatures, layer.outFeatures], 'W');
  const bias = b.constF32(layer.bias, [layer.outFeatures], 'B');
  return b.gemm(x, w, bias, { out });
}

function activate(b: OnnxModelBuilder, x: string, a: Activation, out?: string): string {
  switch (a) {
    case 'relu':
      return b.relu(x, out);
    case 'tanh':
      return b.tanh(x, out);
    case 'sigmoid':
      return b.sigmoid(x, out);
  }
}

function checkLayers(layers: DenseLayer[]): void {
  if (layers.length === 0) throw new Error('a model needs at least one layer');
  layers.forEach((l, i) => {
    if (l.weights.length !== l.inFeatures * l.outFeatures) {
      throw new Error(`layer ${i}: ${l.weights.length} weights for [${l.inFeatures}, ${l.outFeatures}]`);
    }
    if (l.bias.length !== l.outFeatures) throw new Error(`layer ${i}: ${l.bias.length} biases for ${l.outFeatures} outputs`);
    if (i > 0 && layers[i - 1].outFeatures !== l.inFeatures) {
      throw new Error(`layer ${i} takes ${l.inFeatures} features but layer ${i - 1} gives ${layers[i - 1].outFeatures}`);
    }
  });
}
