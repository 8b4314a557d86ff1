/**
 * A small typed builder for real ONNX files (ir_version 8, opset 17 by default) that
 * onnxruntime-node loads and runs. It exists so that tests, fixtures and the examples can make
 * models from TypeScript, deterministically, without Python or a converter.
 *
 * Values are referred to by name (strings), exactly as in ONNX; any name is allowed, including
 * names that are not identifiers (`onnx::Flatten_0`, `39`). Nodes must be added in topological
 * order (each input defined before use), which `build()` checks along with name uniqueness and
 * initializer sizes. Builder misuse is a programmer error and throws; this is a tool, not a
 * user-facing path.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import onnxProto from 'onnx-proto';
import type { Dim } from '../plan/tensor-type.ts';
import { ONNX_ELEM_TYPE, type OnnxDType } from '../compiler/onnx-signature.ts';

const { onnx } = onnxProto;

/** An element type: an m4 dtype, or a raw ONNX `TensorProto.DataType` number (e.g. 10 = FLOAT16) for fixtures. */
export type ElemType = OnnxDType | number;

/** Resolve an {@link ElemType} to the ONNX number. */
export function elemTypeNumber(e: ElemType): number {
  return typeof e === 'number' ? e : ONNX_ELEM_TYPE[e];
}

/** A typed attribute value; ONNX distinguishes `1` (INT) from `1.0` (FLOAT), JavaScript cannot. */
export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: readonly string[] };

/** Constructors for {@link AttributeValue}s: `{ axis: attr.int(1), alpha: attr.float(0.5) }`. */
export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttributeValue => ({ kind: 'floats', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  strings: (value: readonly string[]): AttributeValue => ({ kind: 'strings', value }),
};

/** Data an initializer can hold. */
export type InitializerData = Float32Array | Float64Array | Int32Array | BigInt64Array;

/** Options of a model as a whole. */
export interface ModelOptions {
  graphName?: string;
  producerName?: string;
  producerVersion?: string;
  /** Default-domain opset; 17 unless a test needs another. */
  opset?: number;
  irVersion?: number;
  docString?: string;
}

type ValueType = { kind: 'tensor'; elem: number; dims: Dim[] | null } | { kind: 'seq-map'; key: number; value: number };

interface NodeSpec {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttributeValue>;
}

/** Builds one ONNX model. Every method that creates a value returns that value's name. */
export class OnnxModelBuilder {
  private readonly inputs: { name: string; type: ValueType }[] = [];
  private readonly outputs: { name: string; type: ValueType }[] = [];
  private readonly initializers: { name: string; data: InitializerData; dims: number[] }[] = [];
  private readonly nodes: NodeSpec[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly options: ModelOptions = {}) {}

  /** A fresh value name `prefix_k` not used so far. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    return n;
  }

  /** Declare a graph input. `dims: null` writes no shape at all (unknown rank). */
  input(name: string, elem: ElemType, dims: Dim[] | null): string {
    this.define(name);
    this.inputs.push({ name, type: { kind: 'tensor', elem: elemTypeNumber(elem), dims } });
    return name;
  }

  /** Declare a graph output (a value some node, input or initializer defines). */
  output(name: string, elem: ElemType, dims: Dim[] | null): void {
    this.outputs.push({ name, type: { kind: 'tensor', elem: elemTypeNumber(elem), dims } });
  }

  /** Declare a `seq(map(key, tensor(value)))` output, the type sklearn-onnx's ZipMap produces. */
  outputSeqOfMaps(name: string, key: ElemType, value: ElemType): void {
    this.outputs.push({ name, type: { kind: 'seq-map', key: elemTypeNumber(key), value: elemTypeNumber(value) } });
  }

  /**
   * Add a constant tensor; `data.length` must equal the product of `dims`. With `alsoGraphInput`
   * the name is also declared as a graph input: an input with a default value that callers may
   * override (older exporters list every weight that way; it is not a real model input).
   */
  initializer(name: string, data: InitializerData, dims: number[], opts: { alsoGraphInput?: boolean } = {}): string {
    this.define(name);
    this.initializers.push({ name, data, dims: [...dims] });
    if (opts.alsoGraphInput) {
      this.inputs.push({ name, type: { kind: 'tensor', elem: elemTypeOfData(data), dims: [...dims] } });
    }
    return name;
  }

  /** An f32 constant under a fresh name. */
  constF32(values: ArrayLike<number>, dims: number[], prefix = 'const'): string {
    return this.initializer(this.fresh(prefix), Float32Array.from(values), dims);
  }

  /** An i64 constant under a fresh name (shapes, axes, indices). */
  constI64(values: readonly number[], dims: number[] = [values.length], prefix = 'const'): string {
    return this.initializer(this.fresh(prefix), BigInt64Array.from(values.map(BigInt)), dims);
  }

  /**
   * Add a node. `outputs` are names, or a count of fresh names to make. Returns the output names.
   * An empty string in `inputs` is ONNX's "optional input not given".
   */
  node(
    opType: string,
    inputs: string[],
    outputs: string[] | number = 1,
    attrs: Record<string, AttributeValue> = {},
    opts: { name?: string; domain?: string } = {},
  ): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase())) : outputs;
    for (const o of outs) this.define(o);
    this.nodes.push({
      opType,
      domain: opts.domain ?? '',
      name: opts.name ?? this.fresh(`${opType}_node`),
      inputs: [...inputs],
      outputs: outs,
      attrs,
    });
    return outs;
  }

  // --- Typed helpers for the operators m4's models use (opset 17 semantics). ---------------------

  /** Y = alpha·A'·B' + beta·C; `transB` lets weights be stored [out, in] as PyTorch does. */
  gemm(a: string, b: string, c?: string, o: { alpha?: number; beta?: number; transA?: boolean; transB?: boolean; out?: string } = {}): string {
    const attrs: Record<string, AttributeValue> = {};
    if (o.alpha !== undefined) attrs.alpha = attr.float(o.alpha);
    if (o.beta !== undefined) attrs.beta = attr.float(o.beta);
    if (o.transA) attrs.transA = attr.int(1);
    if (o.transB) attrs.transB = attr.int(1);
    return this.one('Gemm', c === undefined ? [a, b] : [a, b, c], o.out, attrs);
  }
  matMul(a: string, b: string, out?: string): string {
    return this.one('MatMul', [a, b], out);
  }
  add(a: string, b: string, out?: string): string {
    return this.one('Add', [a, b], out);
  }
  sub(a: string, b: string, out?: string): string {
    return this.one('Sub', [a, b], out);
  }
  mul(a: string, b: string, out?: string): string {
    return this.one('Mul', [a, b], out);
  }
  div(a: string, b: string, out?: string): string {
    return this.one('Div', [a, b], out);
  }
  relu(x: string, out?: string): string {
    return this.one('Relu', [x], out);
  }
  tanh(x: string, out?: string): string {
    return this.one('Tanh', [x], out);
  }
  sigmoid(x: string, out?: string): string {
    return this.one('Sigmoid', [x], out);
  }
  identity(x: string, out?: string): string {
    return this.one('Identity', [x], out);
  }
  /** Softmax along `axis` (default -1, the opset-13+ default). */
  softmax(x: string, axis = -1, out?: string): string {
    return this.one('Softmax', [x], out, { axis: attr.int(axis) });
  }
  /** Index of the maximum along `axis` as int64; ties resolve to the first index. */
  argMax(x: string, axis: number, keepdims: boolean, out?: string): string {
    return this.one('ArgMax', [x], out, { axis: attr.int(axis), keepdims: attr.int(keepdims ? 1 : 0) });
  }
  cast(x: string, to: ElemType, out?: string): string {
    return this.one('Cast', [x], out, { to: attr.int(elemTypeNumber(to)) });
  }
  concat(xs: string[], axis: number, out?: string): string {
    return this.one('Concat', xs, out, { axis: attr.int(axis) });
  }
  /** Mean over `axes` (an attribute up to opset 17; opset 18 made it an input). */
  reduceMean(x: string, axes: number[], keepdims: boolean, out?: string): string {
    return this.one('ReduceMean', [x], out, { axes: attr.ints(axes), keepdims: attr.int(keepdims ? 1 : 0) });
  }
  slice(x: string, starts: number[], ends: number[], axes?: number[], steps?: number[], out?: string): string {
    const ins = [x, this.constI64(starts, undefined, 'starts'), this.constI64(ends, undefined, 'ends')];
    if (axes || steps) ins.push(axes ? this.constI64(axes, undefined, 'axes') : '');
    if (steps) ins.push(this.constI64(steps, undefined, 'steps'));
    return this.one('Slice', ins, out);
  }
  gather(x: string, indices: string, axis: number, out?: string): string {
    return this.one('Gather', [x, indices], out, { axis: attr.int(axis) });
  }
  reshape(x: string, shape: number[], out?: string): string {
    return this.one('Reshape', [x, this.constI64(shape, undefined, 'shape')], out);
  }
  squeeze(x: string, axes: number[], out?: string): string {
    return this.one('Squeeze', [x, this.constI64(axes, undefined, 'axes')], out);
  }
  unsqueeze(x: string, axes: number[], out?: string): string {
    return this.one('Unsqueeze', [x, this.constI64(axes, undefined, 'axes')], out);
  }
  flatten(x: string, axis = 1, out?: string): string {
    return this.one('Flatten', [x], out, { axis: attr.int(axis) });
  }
  /** ai.onnx.ml ZipMap: f32[N, C] → seq(map(int64, float)), one map per row, keyed by class label. */
  zipMap(x: string, classLabels: number[], out?: string): string {
    return this.node('ZipMap', [x], [out ?? this.fresh('zipmap')], { classlabels_int64s: attr.ints(classLabels) }, { domain: 'ai.onnx.ml' })[0];
  }

  // --- Output -------------------------------------------------------------------------------------

  /** Validate and serialise the model. */
  build(): Uint8Array {
    this.validate();
    const domains = new Set(this.nodes.map((n) => n.domain).filter((d) => d !== ''));
    const opsetImport: onnxProto.onnx.IOperatorSetIdProto[] = [{ domain: '', version: this.options.opset ?? 17 }];
    // ai.onnx.ml 3 is the ML opset that goes with ONNX 1.12 (IR 8, opset 17).
    for (const d of [...domains].sort()) opsetImport.push({ domain: d, version: d === 'ai.onnx.ml' ? 3 : 1 });
    const model = onnx.ModelProto.create({
      irVersion: this.options.irVersion ?? 8,
      producerName: this.options.producerName ?? 'm4-onnx-build',
      producerVersion: this.options.producerVersion ?? '0.1.0',
      docString: this.options.docString ?? '',
      opsetImport,
      graph: {
        name: this.options.graphName ?? 'm4_graph',
        input: this.inputs.map((v) => valueInfo(v.name, v.type)),
        output: this.outputs.map((v) => valueInfo(v.name, v.type)),
        initializer: this.initializers.map((i) => tensorProto(i.name, i.data, i.dims)),
        node: this.nodes.map((n) => ({
          opType: n.opType,
          domain: n.domain,
          name: n.name,
          input: n.inputs,
          output: n.outputs,
          attribute: Object.entries(n.attrs).map(([k, v]) => attributeProto(k, v)),
        })),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  /** Build and write to `path`, creating its directory. Returns the bytes written. */
  writeModel(path: string): Uint8Array {
    const bytes = this.build();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    return bytes;
  }

  private one(op: string, inputs: string[], out: string | undefined, attrs: Record<string, AttributeValue> = {}): string {
    return this.node(op, inputs, [out ?? this.fresh(op.toLowerCase())], attrs)[0];
  }

  private define(name: string): void {
    if (name === '') throw new Error('ONNX value names must not be empty');
    if (this.names.has(name)) throw new Error(`value \`${name}\` is defined twice`);
    this.names.add(name);
  }

  private validate(): void {
    const defined = new Set<string>([...this.inputs.map((i) => i.name), ...this.initializers.map((i) => i.name)]);
    for (const n of this.nodes) {
      for (const i of n.inputs) {
        if (i !== '' && !defined.has(i)) throw new Error(`node ${n.name} (${n.opType}) reads \`${i}\` before it is defined`);
      }
      for (const o of n.outputs) defined.add(o);
    }
    if (this.outputs.length === 0) throw new Error('a model needs at least one output');
    for (const o of this.outputs) {
      if (!defined.has(o.name)) throw new Error(`output \`${o.name}\` is not produced by any node, input or initializer`);
    }
    for (const i of this.initializers) {
      const n = i.dims.reduce((a, b) => a * b, 1);
      if (n !== i.data.length) throw new Error(`initializer \`${i.name}\` has ${i.data.length} values for dims [${i.dims.join(', ')}]`);
    }
  }
}

function valueInfo(name: string, t: ValueType): onnxProto.onnx.IValueInfoProto {
  if (t.kind === 'seq-map') {
    return {
      name,
      type: { sequenceType: { elemType: { mapType: { keyType: t.key, valueType: { tensorType: { elemType: t.value } } } } } },
    };
  }
  const tensorType: onnxProto.onnx.TypeProto.ITensor = { elemType: t.elem };
  if (t.dims !== null) {
    tensorType.shape = {
      dim: t.dims.map((d) => (d === null ? {} : typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
    };
  }
  return { name, type: { tensorType } };
}

function elemTypeOfData(data: InitializerData): number {
  if (data instanceof Float32Array) return ONNX_ELEM_TYPE.f32;
  if (data instanceof Float64Array) return ONNX_ELEM_TYPE.f64;
  if (data instanceof Int32Array) return ONNX_ELEM_TYPE.i32;
  return ONNX_ELEM_TYPE.i64;
}

/** Little-endian raw_data whatever the host's byte order, as ONNX requires. */
function tensorProto(name: string, data: InitializerData, dims: number[]): onnxProto.onnx.ITensorProto {
  const width = data.BYTES_PER_ELEMENT;
  const raw = new Uint8Array(data.length * width);
  const view = new DataView(raw.buffer);
  const dataType = elemTypeOfData(data);
  if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  } else if (data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) view.setFloat64(i * 8, data[i], true);
  } else if (data instanceof Int32Array) {
    for (let i = 0; i < data.length; i++) view.setInt32(i * 4, data[i], true);
  } else {
    for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, data[i], true);
  }
  return { name, dims, dataType, rawData: raw };
}

function attributeProto(name: string, v: AttributeValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (v.kind) {
    case 'int':
      return { name, type: T.INT, i: v.value };
    case 'float':
      return { name, type: T.FLOAT, f: v.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...v.value] };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...v.value] };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(v.value) };
    case 'strings':
      return { name, type: T.STRINGS, strings: v.value.map((x) => new TextEncoder().encode(x)) };
  }
}
