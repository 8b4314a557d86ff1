/**
 * Real ONNX test models for the executor: MLP classifiers built with the project's ONNX builder
 * (`tools/onnx-build.ts`), with the sklearn-onnx outputs `label` i64[N] and `probabilities` f32[N, 2].
 *
 * Weights come from a seeded generator, so a given spec always produces the same bytes (and sha256).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mlpModel, type DenseLayer } from '../../../tools/onnx-build.ts';
import { SeededRandom } from '../../../tools/seeded-random.ts';

/** An MLP's shape: `hidden: []` is a logistic regression with two logits. */
export interface MlpSpec {
  inputs: number;
  hidden: number[];
  seed: number;
}

/** ONNX bytes of an MLP: `inputs` → relu hidden layers → softmax over 2 classes, input `x` f32[N, inputs]. */
export function mlpBytes(spec: MlpSpec): Uint8Array {
  const rng = new SeededRandom(spec.seed);
  const sizes = [spec.inputs, ...spec.hidden, 2];
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const scale = Math.sqrt(2 / sizes[l]);
    layers.push({
      inFeatures: sizes[l],
      outFeatures: sizes[l + 1],
      weights: Float32Array.from({ length: sizes[l] * sizes[l + 1] }, () => rng.uniform(-1, 1) * scale),
      bias: Float32Array.from({ length: sizes[l + 1] }, () => rng.uniform(-0.1, 0.1)),
    });
  }
  return mlpModel({ layers }).build();
}

/** Write an MLP to `path`; returns its sha256 (hex), as a plan records it. */
export function writeMlp(path: string, spec: MlpSpec): string {
  const bytes = mlpBytes(spec);
  writeFileSync(path, bytes);
  return createHash('sha256').update(bytes).digest('hex');
}
