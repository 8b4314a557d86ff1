/**
 * Reads the signature of an ONNX model (input and output names, element types, shapes, opset) at
 * compile time, without onnxruntime.
 *
 * Why a hand-written skim of the protobuf wire format rather than `onnx.ModelProto.decode`:
 * - only the graph's inputs, outputs and initializer *names* are needed; a full decode would
 *   materialise every weight (a `float_data` field becomes a JS array of millions of numbers) and
 *   every node attribute;
 * - the generated decoder is 330 KB of JavaScript to load, and `m4c check` must start in < 0.5 s;
 * - a hand-written reader knows *why* bytes fail to parse (truncated vs. not protobuf at all), which
 *   is what a user needs to read in a diagnostic.
 *
 * The skim itself is in `onnx-model-skim.ts`; this file maps what it finds to m4's types, caches
 * results and classifies failures.
 *
 * Nothing here throws on bad input: every failure is a {@link SignatureResult} with a `kind`.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { DType, TensorType } from '../plan/tensor-type.ts';
import { WireError, readModel, type RawModel, type RawType, type RawValueInfo } from './onnx-model-skim.ts';

/** A tensor input or output of a model, as the type checker sees it. */
export interface OnnxValueInfo {
  /** The ONNX name exactly as in the file (may not be an identifier: `onnx::Flatten_0`, `39`). */
  name: string;
  type: TensorType;
  /** The raw `TensorProto.DataType` number, for messages and for tools that write ONNX back. */
  onnxElemType: number;
}

/** A graph output m4 cannot carry on an edge (a ZipMap `seq(map(...))`, an unsupported dtype, ...). */
export interface UnsupportedOutput {
  name: string;
  /** Why, in words a diagnostic can print after the name: "is seq(map(int64,tensor(float)))...". */
  reason: string;
}

/**
 * What the compiler needs of a model. Invariants: `inputs` excludes initializers; every entry of
 * `inputs` and `outputs` is a tensor with a known rank and a supported dtype; graph outputs that are
 * not are listed in `unsupportedOutputs` instead (so the other outputs stay usable); names are
 * unique within `inputs` and within `outputs ∪ unsupportedOutputs`. Order is the file's order.
 */
export interface OnnxSignature {
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  unsupportedOutputs: UnsupportedOutput[];
  /** Version of the default (`ai.onnx`) operator set; 0 when the model imports only other domains. */
  opset: number;
  /** Every imported operator set, by domain (`''` is ai.onnx, `'ai.onnx.ml'` is the ML domain). */
  opsets: Record<string, number>;
  irVersion: number;
  /** `producer_name` and `producer_version` joined by a space, when the file names a producer. */
  producer?: string;
}

/** Why a model file gives no signature. */
export type SignatureErrorKind = 'missing' | 'unreadable' | 'not-onnx' | 'unsupported';

/**
 * The outcome of reading a model. `sha256` is the lowercase hex digest of the file's bytes. Results
 * are cached and deeply frozen: treat them as read-only. `message` never contains the path (the
 * caller knows how the user wrote it, and golden files must not depend on where a test ran); it
 * reads after the path: "`models/a.onnx`: the file does not exist".
 */
export type SignatureResult = { ok: true; signature: OnnxSignature; sha256: string } | { ok: false; kind: SignatureErrorKind; message: string };

/** ONNX `TensorProto.DataType` names by number, for messages (covers ONNX 1.17). */
export const ONNX_ELEM_TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'UNDEFINED',
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
  23: 'FLOAT4E2M1',
});

/** The ONNX element type of each m4 dtype that ONNX has (the inverse of the reader's mapping). */
export const ONNX_ELEM_TYPE: Readonly<Record<OnnxDType, number>> = Object.freeze({
  f32: 1,
  f64: 11,
  i32: 6,
  i64: 7,
  bool: 9,
  str: 8,
});

const DTYPE_OF_ELEM: Readonly<Record<number, DType>> = Object.freeze({
  1: 'f32',
  11: 'f64',
  6: 'i32',
  7: 'i64',
  9: 'bool',
  8: 'str',
});

/** The dtypes a tensor of an ONNX model can have (`bytes` and `image` live only between stdlib ops). */
export type OnnxDType = Exclude<DType, 'bytes' | 'image'>;

/** The m4 dtype of an ONNX element type, or undefined when m4 has none. */
export function dtypeOfOnnxElemType(elemType: number): DType | undefined {
  return DTYPE_OF_ELEM[elemType];
}

/** `FLOAT16`, or `elem_type 42` for a number ONNX has not defined (as of 1.17). */
export function onnxElemTypeName(elemType: number): string {
  return ONNX_ELEM_TYPE_NAMES[elemType] ?? `elem_type ${elemType}`;
}

// ---------------------------------------------------------------------------------------------
// Cache

interface CacheEntry {
  mtimeMs: number;
  size: number;
  result: SignatureResult;
}

/** Keyed by absolute path; an entry is valid while the file's mtime and size are unchanged. */
const cache = new Map<string, CacheEntry>();

/** Forget every cached signature (tests, or a language server told that files changed on disk). */
export function clearSignatureCache(): void {
  cache.clear();
}

/**
 * Read the signature of the ONNX model at `absPath`. Never throws. Repeated calls for an unchanged
 * file (same mtime and size) return the same result object without reading the file again; the
 * sha256 is computed once per cached entry. Failures that depend on the file's contents are cached
 * too; a missing or unreadable path is not (it has no mtime to key on).
 */
export function readOnnxSignature(absPath: string): SignatureResult {
  let stat;
  try {
    stat = statSync(absPath);
  } catch (e) {
    return ioFailure(e);
  }
  if (stat.isDirectory()) return fail('unreadable', 'the path is a directory, not an ONNX model file');
  // A FIFO or device would block or stream forever.
  if (!stat.isFile()) return fail('unreadable', 'the path is not a regular file');

  const hit = cache.get(absPath);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit.result;

  let bytes: Buffer;
  let mtimeMs: number;
  let size: number;
  try {
    // fstat on the open descriptor, so the cache key describes exactly the bytes read.
    const fd = openSync(absPath, 'r');
    try {
      const st = fstatSync(fd);
      mtimeMs = st.mtimeMs;
      size = st.size;
      bytes = Buffer.allocUnsafe(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, bytes, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      if (off < size) bytes = bytes.subarray(0, off);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return ioFailure(e);
  }

  const result = deepFreeze(parseSignature(bytes));
  cache.set(absPath, { mtimeMs, size, result });
  return result;
}

/**
 * Parse a signature from bytes already in memory (no cache, no freezing). Exported for tools that
 * hold model bytes (a builder, an upload) rather than a path. Never throws.
 */
export function parseSignature(bytes: Uint8Array): SignatureResult {
  if (bytes.length === 0) return fail('not-onnx', 'the file is empty, not an ONNX model');
  let model: RawModel;
  try {
    model = readModel(bytes);
  } catch (e) {
    if (e instanceof WireError) {
      const looksOnnx = bytes[0] === 0x08; // ModelProto starts with ir_version (field 1, varint)
      const what =
        e.truncated && looksOnnx
          ? 'the file ends in the middle of the model (truncated or partly written?)'
          : `it is not a protobuf ModelProto (${e.message} at byte ${e.at})`;
      return fail('not-onnx', `not a valid ONNX model: ${what}`);
    }
    return fail('not-onnx', `not a valid ONNX model: ${String(e)}`);
  }
  const problem = !model.hasIrVersion
    ? 'it has no ir_version'
    : model.graph === null
      ? 'it has no graph'
      : model.irVersion >= 3 && model.opsets.length === 0
        ? 'it imports no operator set'
        : model.graph.outputs.length === 0
          ? 'its graph declares no outputs'
          : null;
  if (problem !== null) return fail('not-onnx', `not a valid ONNX model: ${problem}`);
  return toSignature(model, sha256Hex(bytes));
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fail(kind: SignatureErrorKind, message: string): SignatureResult {
  return { ok: false, kind, message };
}

function ioFailure(e: unknown): SignatureResult {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return fail('missing', 'the file does not exist');
  if (code === 'EACCES' || code === 'EPERM') return fail('unreadable', 'the file cannot be read: permission denied');
  if (code === 'EISDIR') return fail('unreadable', 'the path is a directory, not an ONNX model file');
  const detail = code ?? (e instanceof Error ? e.message : String(e));
  return fail('unreadable', `the file cannot be read (${detail})`);
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// From raw protobuf structures to the signature

function toSignature(model: RawModel, sha256: string): SignatureResult {
  const graph = model.graph!;
  const initializerNames = new Set(graph.initializerNames);
  const inputs: OnnxValueInfo[] = [];
  const seenInputs = new Set<string>();
  for (const vi of graph.inputs) {
    if (initializerNames.has(vi.name) || seenInputs.has(vi.name)) continue;
    seenInputs.add(vi.name);
    const t = tensorOf(vi);
    if (typeof t === 'string') {
      return fail('unsupported', `input \`${vi.name}\` ${t}`);
    }
    inputs.push(t);
  }

  const outputs: OnnxValueInfo[] = [];
  const unsupportedOutputs: UnsupportedOutput[] = [];
  const seenOutputs = new Set<string>();
  for (const vi of graph.outputs) {
    if (seenOutputs.has(vi.name)) continue;
    seenOutputs.add(vi.name);
    const t = tensorOf(vi);
    if (typeof t === 'string') unsupportedOutputs.push({ name: vi.name, reason: t });
    else outputs.push(t);
  }
  if (outputs.length === 0) {
    const list = unsupportedOutputs.map((u) => `\`${u.name}\` ${u.reason}`).join('; ');
    return fail('unsupported', `the model has no output m4 can use: ${list}`);
  }

  const opsets: Record<string, number> = {};
  for (const o of model.opsets) {
    const domain = o.domain === 'ai.onnx' ? '' : o.domain;
    opsets[domain] = Math.max(opsets[domain] ?? 0, o.version);
  }
  const producer = model.producerName ? (model.producerVersion ? `${model.producerName} ${model.producerVersion}` : model.producerName) : undefined;
  const signature: OnnxSignature = {
    inputs,
    outputs,
    unsupportedOutputs,
    opset: opsets[''] ?? 0,
    opsets,
    irVersion: model.irVersion,
  };
  if (producer !== undefined) signature.producer = producer;
  return { ok: true, signature, sha256 };
}

const SUPPORTED = 'float, double, int32, int64, bool, string';

/** The tensor type of a value, or a reason (a predicate phrase) why it is not one m4 can use. */
function tensorOf(vi: RawValueInfo): OnnxValueInfo | string {
  const t = vi.type;
  if (t === null) return 'has no declared type';
  if (t.kind !== 'tensor') return `is ${describeType(t)}, not a tensor`;
  const dtype = DTYPE_OF_ELEM[t.elemType];
  if (dtype === undefined) {
    return `has element type ${onnxElemTypeName(t.elemType)}, which m4 does not support (supported: ${SUPPORTED})`;
  }
  if (t.dims === null) return 'has no declared shape (unknown rank)';
  return { name: vi.name, type: { dtype, dims: t.dims }, onnxElemType: t.elemType };
}

/** ONNX's own spelling of a type: `tensor(float)`, `seq(map(int64,tensor(float)))`. */
function describeType(t: RawType): string {
  switch (t.kind) {
    case 'tensor':
      return `tensor(${onnxElemTypeName(t.elemType).toLowerCase()})`;
    case 'sparse':
      return `sparse_tensor(${onnxElemTypeName(t.elemType).toLowerCase()})`;
    case 'seq':
      return `seq(${t.elem ? describeType(t.elem) : '?'})`;
    case 'optional':
      return `optional(${t.elem ? describeType(t.elem) : '?'})`;
    case 'map':
      return `map(${onnxElemTypeName(t.keyElemType).toLowerCase()},${t.value ? describeType(t.value) : '?'})`;
    case 'other':
      return 'an opaque (non-tensor) type';
  }
}
