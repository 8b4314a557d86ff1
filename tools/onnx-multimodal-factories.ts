/**
 * Small text and image models for multi-modal graphs, built with {@link OnnxModelBuilder}: an
 * embedding-bag text classifier over token ids and an attention mask (the inputs `tokenize` makes)
 * and a one-layer convolutional image classifier over NCHW pixels (what `to_tensor` makes). Both end
 * in sklearn-onnx's classifier outputs: `label` (i64[N]) and `probabilities` (f32[N, K]).
 */
import type { Dim } from '../plan/tensor-type.ts';
import { attr, OnnxModelBuilder, type ModelOptions } from './onnx-graph-builder.ts';

/**
 * Text classifier: the mean of the token embeddings where the mask is 1, then `dense`:
 * `input_ids` i64[N, L] and `attention_mask` i64[N, L] → `probabilities` f32[N, K].
 * `embeddings` is row-major [vocab, dim]; `dense.weights` row-major [dim, K].
 */
export function embeddingBagClassifier(
  o: ModelOptions & {
    vocab: number;
    dim: number;
    maxLength: Dim;
    embeddings: ArrayLike<number>;
    dense: { weights: ArrayLike<number>; bias: ArrayLike<number> };
  },
): OnnxModelBuilder {
  const classes = o.dense.bias.length;
  if (o.embeddings.length !== o.vocab * o.dim) throw new Error(`embeddings: expected ${o.vocab}×${o.dim} values`);
  if (o.dense.weights.length !== o.dim * classes) throw new Error(`dense weights: expected ${o.dim}×${classes} values`);
  const b = new OnnxModelBuilder({ graphName: 'embedding_bag', ...o });
  const ids = b.input('input_ids', 'i64', ['N', o.maxLength]);
  const mask = b.input('attention_mask', 'i64', ['N', o.maxLength]);
  const table = b.constF32(o.embeddings, [o.vocab, o.dim], 'embeddings');
  const emb = b.gather(table, ids, 0); // [N, L, dim]
  const m = b.cast(mask, 'f32'); // [N, L]
  const summed = b.node('ReduceSum', [b.mul(emb, b.unsqueeze(m, [2])), b.constI64([1])], 1, { keepdims: attr.int(0) })[0];
  const count = b.node('ReduceSum', [m, b.constI64([1])], 1, { keepdims: attr.int(1) })[0];
  const mean = b.div(summed, b.node('Max', [count, b.constF32([1], [1], 'one')])[0]); // [N, dim]
  return classifierHead(b, mean, o.dim, o.dense);
}

/**
 * Image classifier: a 3×3 convolution (padding 1) with `filters` output channels, ReLU, global
 * average pooling, then `dense`: `pixels` f32[N, C, H, W] → `probabilities` f32[N, K].
 * `conv.weights` is [filters, C, 3, 3]; `dense.weights` row-major [filters, K].
 */
export function convImageClassifier(
  o: ModelOptions & {
    channels: number;
    height: Dim;
    width: Dim;
    filters: number;
    inputName?: string;
    conv: { weights: ArrayLike<number>; bias: ArrayLike<number> };
    dense: { weights: ArrayLike<number>; bias: ArrayLike<number> };
  },
): OnnxModelBuilder {
  if (o.conv.weights.length !== o.filters * o.channels * 9) throw new Error(`conv weights: expected ${o.filters}×${o.channels}×3×3 values`);
  const b = new OnnxModelBuilder({ graphName: 'conv_classifier', ...o });
  const x = b.input(o.inputName ?? 'pixels', 'f32', ['N', o.channels, o.height, o.width]);
  const conv = b.node(
    'Conv',
    [x, b.constF32(o.conv.weights, [o.filters, o.channels, 3, 3], 'conv_w'), b.constF32(o.conv.bias, [o.filters], 'conv_b')],
    1,
    {
      kernel_shape: attr.ints([3, 3]),
      pads: attr.ints([1, 1, 1, 1]),
    },
  )[0];
  const pooled = b.flatten(b.node('GlobalAveragePool', [b.relu(conv)])[0], 1); // [N, filters]
  return classifierHead(b, pooled, o.filters, o.dense);
}

/** `features` f32[N, width] → dense → softmax: sklearn-onnx's `label` and `probabilities` outputs. */
function classifierHead(
  b: OnnxModelBuilder,
  features: string,
  width: number,
  dense: { weights: ArrayLike<number>; bias: ArrayLike<number> },
): OnnxModelBuilder {
  const classes = dense.bias.length;
  const logits = b.gemm(features, b.constF32(dense.weights, [width, classes], 'w'), b.constF32(dense.bias, [classes], 'b'));
  b.softmax(logits, 1, 'probabilities');
  b.argMax('probabilities', 1, false, 'label');
  b.output('label', 'i64', ['N']);
  b.output('probabilities', 'f32', ['N', classes]);
  return b;
}
