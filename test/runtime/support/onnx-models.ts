/**
 * Real ONNX test models written with onnx-proto: an MLP (Gemm + Relu layers, Softmax, ArgMax) whose
 * outputs match the fixtures the rest of m4 uses — `probabilities` f32[N, 2] and `label` i64[N].
 *
 * Weights come from a seeded generator, so a given spec always produces the same bytes (and sha256).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

/** An MLP's shape: `hidden: []` is a logistic regression with two logits. */
export interface MlpSpec {
  inputs: number;
  hidden: number[];
  /** Number of classes; `probabilities` has this many columns. */
  classes?: number;
  seed: number;
  /** Name of the ONNX input (default `x`). */
  inputName?: string;
}

/** Mulberry32: small, seedable, good enough for test weights. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function floatInit(name: string, dims: number[], values: Float32Array): OnnxTypes.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Encode an MLP as ONNX bytes (opset 13, IR 7). */
export function mlpBytes(spec: MlpSpec): Uint8Array {
  const classes = spec.classes ?? 2;
  const input = spec.inputName ?? 'x';
  const rand = rng(spec.seed);
  const sizes = [spec.inputs, ...spec.hidden, classes];
  const nodes: OnnxTypes.INodeProto[] = [];
  const inits: OnnxTypes.ITensorProto[] = [];
  let prev = input;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l];
    const fanOut = sizes[l + 1];
    const scale = Math.sqrt(2 / fanIn);
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = (rand() * 2 - 1) * scale;
    const b = new Float32Array(fanOut);
    for (let i = 0; i < b.length; i++) b[i] = (rand() * 2 - 1) * 0.1;
    inits.push(floatInit(`W${l}`, [fanIn, fanOut], w), floatInit(`B${l}`, [fanOut], b));
    const out = `h${l}`;
    nodes.push({ opType: 'Gemm', input: [prev, `W${l}`, `B${l}`], output: [out], name: `gemm${l}` });
    prev = out;
    if (l + 2 < sizes.length) {
      nodes.push({ opType: 'Relu', input: [out], output: [`r${l}`], name: `relu${l}` });
      prev = `r${l}`;
    }
  }
  nodes.push({
    opType: 'Softmax', input: [prev], output: ['probabilities'], name: 'softmax',
    attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  });
  nodes.push({
    opType: 'ArgMax', input: ['probabilities'], output: ['label'], name: 'argmax',
    attribute: [
      { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
      { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
    ],
  });
  const model: OnnxTypes.IModelProto = {
    irVersion: 7,
    producerName: 'm4-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'mlp',
      node: nodes,
      initializer: inits,
      input: [valueInfo(input, onnx.TensorProto.DataType.FLOAT, ['N', spec.inputs])],
      output: [
        valueInfo('label', onnx.TensorProto.DataType.INT64, ['N']),
        valueInfo('probabilities', onnx.TensorProto.DataType.FLOAT, ['N', classes]),
      ],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Write an MLP to `path`; returns its sha256 (hex), as a plan records it. */
export function writeMlp(path: string, spec: MlpSpec): string {
  const bytes = mlpBytes(spec);
  writeFileSync(path, bytes);
  return createHash('sha256').update(bytes).digest('hex');
}
