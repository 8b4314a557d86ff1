/**
 * Writing ONNX models from TypeScript: the graph builder and the ready-made model factories.
 *
 * This is the entry point tests, fixtures and example scripts import; the builder lives in
 * `onnx-graph-builder.ts` and the factories in `onnx-model-factories.ts`.
 *
 * @example
 * ```ts
 * import { logisticRegressionModel } from '../tools/onnx-build.ts';
 * logisticRegressionModel({ weights: [0.5, -1], bias: 0.1 }).writeModel('/tmp/lr.onnx');
 * ```
 */
export {
  OnnxModelBuilder,
  attr,
  elemTypeNumber,
  type AttributeValue,
  type ElemType,
  type InitializerData,
  type ModelOptions,
} from './onnx-graph-builder.ts';
export {
  embeddingModel,
  logisticRegressionModel,
  mlpModel,
  multiclassModel,
  regressionModel,
  type Activation,
  type ClassifierOutputNames,
  type CommonModelOptions,
  type DenseLayer,
} from './onnx-model-factories.ts';
export { convImageClassifier, embeddingBagClassifier } from './onnx-multimodal-factories.ts';
export { byteLevelBpeTokenizerJson, wordPieceTokenizerJson, writeTokenizerJson } from './tokenizer-build.ts';
