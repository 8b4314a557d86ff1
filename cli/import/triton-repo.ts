/**
 * A Triton model repository on disk: `REPO/NAME/config.pbtxt` and `REPO/NAME/VERSION/model.onnx`. Configs
 * are read once, parsed with the protobuf-text grammar and checked against `ModelConfig`; every problem is
 * a diagnostic at the config's line. Versions follow Triton's rules: the step's `model_version` when it
 * pins one (≥ 0), else the version policy (latest by default: the highest numeric directory).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diag, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Span } from '../../grammar/ast.ts';
import type { DType } from '../../plan/tensor-type.ts';
import { decodeModelConfig, type TritonConfig } from './pbtxt/model-config.ts';
import { parsePbtxt } from './pbtxt/parse.ts';

/** Triton dtypes m4 has, and the nearest m4 dtype for the others (reported when used). */
const DTYPE: Record<string, DType> = {
  TYPE_FP32: 'f32',
  TYPE_FP64: 'f64',
  TYPE_INT32: 'i32',
  TYPE_INT64: 'i64',
  TYPE_BOOL: 'bool',
  TYPE_STRING: 'str',
};
const NEAREST: Record<string, DType> = {
  TYPE_FP16: 'f32',
  TYPE_BF16: 'f32',
  TYPE_INT8: 'i32',
  TYPE_INT16: 'i32',
  TYPE_UINT8: 'i32',
  TYPE_UINT16: 'i32',
  TYPE_UINT32: 'i64',
  TYPE_UINT64: 'i64',
};

/** The m4 dtype of a Triton data type: exact, or the nearest with `exact: false`. */
export function mapDtype(t: string): { dtype: DType; exact: boolean } {
  if (DTYPE[t]) return { dtype: DTYPE[t], exact: true };
  return { dtype: NEAREST[t] ?? 'f32', exact: false };
}

/** What serves a member: ONNX Runtime (m4 runs it) or another backend (declared external). */
export function memberBackend(c: TritonConfig): { onnx: boolean; backend: string } {
  const platform = c.platform?.value ?? '';
  const backend = c.backend?.value ?? '';
  if (platform === 'ensemble') return { onnx: false, backend: 'ensemble' };
  if (platform === 'onnxruntime_onnx' || backend === 'onnxruntime') return { onnx: true, backend: 'onnxruntime' };
  return { onnx: false, backend: backend || platform || 'unknown' };
}

/** What to do about a member m4 cannot run, by backend. */
export function adviceFor(backend: string): string {
  if (/python/.test(backend))
    return 'A python model: export what it computes to ONNX, or, if it only scales, casts or reshapes tensors, replace its calls with stdlib ops (standardize, cast, expand_dims, ...). It may also call other models (BLS), which m4 cannot see.';
  if (/tensorrt/.test(backend)) return 'A TensorRT plan is built from an ONNX file: declare that ONNX file with onnx("...").';
  if (/pytorch|libtorch/.test(backend)) return 'Export it with torch.onnx.export and declare the file with onnx("...").';
  if (/tensorflow/.test(backend)) return 'Convert it with tf2onnx and declare the file with onnx("...").';
  if (/dali/.test(backend))
    return 'DALI pre-processing (image decoding, resizing) has no m4 op: do it when the replay is recorded, or export it to ONNX.';
  if (/fil/.test(backend)) return 'Convert the tree model to ONNX (onnxmltools, skl2onnx or hummingbird) and declare it with onnx("...").';
  if (/openvino/.test(backend)) return 'Use the ONNX file the OpenVINO IR was converted from.';
  if (backend === 'ensemble') return 'A nested ensemble: import it on its own with `m4c import REPO --model NAME`, or inline its steps.';
  return 'Export it to ONNX and declare it with onnx("...").';
}

/**
 * A stdlib replacement when a member's config shows a simple transform (one tensor in, one out): same shape
 * and dtype (scaling, normalizing), a dtype change only, or a size-1 axis added or dropped. Null otherwise.
 */
export function transformHint(c: TritonConfig): string | null {
  if (c.inputs.length !== 1 || c.outputs.length !== 1) return null;
  const i = c.inputs[0]!;
  const o = c.outputs[0]!;
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, k) => x === b[k]);
  const di = mapDtype(i.dataType).dtype;
  const dout = mapDtype(o.dataType).dtype;
  const numeric = di !== 'str' && dout !== 'str';
  if (same(i.dims, o.dims) && di === dout && (di === 'f32' || di === 'f64')) {
    return `Its config shows one ${di} tensor in and one of the same shape out: if it scales or normalizes, \`standardize(x, mean: M, std: S)\`, \`mul(x, by: K)\` or \`clip(...)\` can replace it.`;
  }
  if (same(i.dims, o.dims) && di !== dout && numeric)
    return `Its config shows a dtype change only (${di} → ${dout}): \`cast(x, to: "${dout}")\` can replace it.`;
  if (di === dout && same(o.dims, [...i.dims, 1])) return 'Its config shows a size-1 axis added: `expand_dims(x)` can replace it.';
  if (di === dout && same(i.dims, [...o.dims, 1])) return 'Its config shows a size-1 axis dropped: `squeeze(x)` can replace it.';
  return null;
}

export class TritonRepository {
  private readonly configs = new Map<string, { config: TritonConfig | null; diagnostics: Diagnostic[] } | null>();
  /** Every config file read, by path: for rendering diagnostics. */
  readonly sources = new Map<string, string>();

  constructor(readonly dir: string) {}

  /** Names of the directories holding a `config.pbtxt`. */
  modelNames(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch {
      return [];
    }
    return entries.filter((e) => existsSync(join(this.dir, e, 'config.pbtxt'))).sort();
  }

  has(name: string): boolean {
    return existsSync(join(this.dir, name, 'config.pbtxt'));
  }

  /** The member's config, parsed and checked; null when the file is absent. */
  config(name: string): { config: TritonConfig | null; diagnostics: Diagnostic[] } | null {
    if (this.configs.has(name)) return this.configs.get(name)!;
    const file = join(this.dir, name, 'config.pbtxt');
    let result: { config: TritonConfig | null; diagnostics: Diagnostic[] } | null = null;
    const text = readText(file);
    if (text !== null) {
      this.sources.set(file, text);
      const span = fileSpan(file, text);
      const parsed = parsePbtxt(text, file);
      result = parsed.ok
        ? decodeModelConfig(parsed.fields, file, span)
        : { config: null, diagnostics: [diag('M8001', parsed.error.span, { format: 'config.pbtxt', message: parsed.error.message })] };
    }
    this.configs.set(name, result);
    return result;
  }

  /** Numeric version directories of a member, ascending. */
  versions(name: string): number[] {
    try {
      // Dirents, not statSync: a repository of hundreds of members would pay a stat per entry.
      return readdirSync(join(this.dir, name), { withFileTypes: true })
        .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
        .map((e) => Number(e.name))
        .sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  /**
   * The version a step uses: `pinned` (≥ 0) as written, else the highest the policy serves, skipping
   * `exclude` (the candidate version, when the control is the one before it).
   */
  pickVersion(name: string, c: TritonConfig, pinned: number, exclude?: number): number | null {
    if (pinned >= 0) return pinned;
    let vs = this.versions(name);
    if (c.versionPolicy.kind === 'specific') {
      const allowed = new Set(c.versionPolicy.versions);
      vs = vs.filter((v) => allowed.has(v));
    }
    const usable = vs.filter((v) => v !== exclude);
    return usable.length > 0 ? usable[usable.length - 1]! : null;
  }

  modelFile(name: string, c: TritonConfig, version: number): string {
    return join(this.dir, name, String(version), c.defaultModelFilename ?? 'model.onnx');
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** A span covering the first line of a file, for messages about the file as a whole. */
export function fileSpan(file: string, text: string): Span {
  const nl = text.indexOf('\n');
  const end = nl === -1 ? text.length : nl;
  return { file, start: 0, end: Math.max(1, end), line: 1, column: 1, endLine: 1, endColumn: Math.max(1, end) + 1 };
}
