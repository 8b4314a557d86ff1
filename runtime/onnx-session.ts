/**
 * The executor's only contact with onnxruntime-node: loading it (lazily, so `m4c check` and plan
 * loading never pay for the native binding), creating sessions with m4's thread settings, and moving
 * tensors between m4's {@link Tensor} shape and ORT's.
 *
 * Used on the main thread (engine `main`) and inside each model worker (engine `workers`).
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { Tensor } from '../stdlib/types.ts';
import type { DType } from '../plan/tensor-type.ts';

type Ort = typeof import('onnxruntime-node');

let ortPromise: Promise<Ort> | undefined;

/** The onnxruntime-node module, imported on first use. */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node');
  return ortPromise;
}

/** Thread settings of one session; see docs/runtime.md for the measurements behind the defaults. */
export interface SessionSettings {
  /** ORT intra-op threads (default 1: each session owns one core; concurrency comes from workers). */
  intraOpThreads: number;
  /**
   * Let intra-op pool threads spin between kernels. Only meaningful with `intraOpThreads > 1`: several
   * spinning pools fight each other (PERFORMANCE.md fact 2), so the executor turns it off when it
   * opens more than one session with more than one thread.
   */
  allowSpinning: boolean;
  /**
   * Worker threads only: lower the thread's scheduling priority to this nice value (Linux; best effort). `m4c
   * serve` runs the shadow arm at 19 so that, when cores are scarce, it yields to the answering arm.
   */
  niceness?: number;
}

/** Session options for ORT. Sequential execution: `parallel` halves throughput on chain-shaped models. */
export function sessionOptions(s: SessionSettings): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: s.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: s.allowSpinning ? '1' : '0' } } },
  };
}

/** One opened model: the session and the names ORT reports for it. */
export interface OpenSession {
  session: InferenceSession;
  inputNames: readonly string[];
  outputNames: readonly string[];
}

export async function openSession(path: string, settings: SessionSettings): Promise<OpenSession> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(path, sessionOptions(settings));
  return { session, inputNames: session.inputNames, outputNames: session.outputNames };
}

// `bytes` and `image` never reach a model: no ONNX input has those dtypes, so the compiler refuses them.
const ORT_TYPE: Partial<Record<DType, OrtTensor.Type>> = {
  f32: 'float32',
  f64: 'float64',
  i32: 'int32',
  i64: 'int64',
  bool: 'bool',
  str: 'string',
};

const M4_TYPE: Partial<Record<string, DType>> = {
  float32: 'f32',
  float64: 'f64',
  int32: 'i32',
  int64: 'i64',
  bool: 'bool',
  string: 'str',
};

/**
 * Wrap an m4 tensor for ORT without copying, except when its buffer is a SharedArrayBuffer, which
 * the binding rejects ("Invalid argument").
 */
export function toOrt(ort: Ort, t: Tensor): OrtTensor {
  let data = t.data;
  if (!Array.isArray(data) && data.buffer instanceof SharedArrayBuffer) data = data.slice();
  const type = ORT_TYPE[t.dtype];
  if (type === undefined) throw new Error(`a ${t.dtype} tensor cannot be fed to an ONNX model`);
  return new ort.Tensor(type, data as never, t.dims);
}

/**
 * An ORT output as an m4 tensor (no copy). Element types m4 has no dtype for (uint8, float16, ...)
 * are reported by name so the error can say which output of which model produced them.
 */
export function fromOrt(t: OrtTensor): Tensor | { unsupported: string } {
  const dtype = M4_TYPE[t.type];
  if (dtype === undefined) return { unsupported: t.type };
  return { dtype, data: t.data as Tensor['data'], dims: t.dims.slice() };
}

/** A feed mapping for ORT from m4 tensors. */
export function feedsToOrt(ort: Ort, feeds: Record<string, Tensor>): Record<string, OrtTensor> {
  const out: Record<string, OrtTensor> = {};
  for (const name in feeds) out[name] = toOrt(ort, feeds[name]);
  return out;
}
