/**
 * A model named by a Seldon `Model` or a KServe `InferenceService`, found on disk. The resource gives a
 * `storageUri`; a local one (`file://`, a relative or absolute path) is used as it is, a remote one
 * (`gs://`, `s3://`, `https://`) is looked for next to the YAML as `models/NAME/` or `NAME/`. Inside, an
 * ONNX file is used (`model.onnx`, or the highest `VERSION/model.onnx` of a Triton layout). Without one the
 * model is declared external — with the signature of a Triton `config.pbtxt` when there is one, else with
 * none and a TODO to write it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { readOnnxSignature } from '../../compiler/onnx-signature.ts';
import { diag, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Span } from '../../grammar/ast.ts';
import type { ImportModel, ImportTensorSig } from './graph-ir.ts';
import { adviceFor, mapDtype, TritonRepository } from './triton-repo.ts';

export interface ServedModelRequest {
  name: string;
  storageUri: string | undefined;
  /** `onnx`, `sklearn`, `triton`, `python`, ... as the resource says (requirements or modelFormat). */
  formats: string[];
  yamlFile: string;
  origin: Span;
}

export interface ServedModel {
  model: ImportModel;
  /** The signature calls are bound against; null when unknown. */
  signature: { inputs: ImportTensorSig[]; outputs: ImportTensorSig[] } | null;
}

export function resolveServedModel(req: ServedModelRequest, diagnostics: Diagnostic[], sources: Map<string, string>): ServedModel {
  const yamlDir = dirname(req.yamlFile);
  const candidates: string[] = [];
  const uri = req.storageUri ?? '';
  if (uri.startsWith('file://')) candidates.push(uri.slice('file://'.length));
  else if (uri !== '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) candidates.push(isAbsolute(uri) ? uri : resolve(yamlDir, uri));
  candidates.push(join(yamlDir, 'models', req.name), join(yamlDir, req.name));
  if (uri !== '') candidates.push(join(yamlDir, 'models', basename(uri)));
  for (const c of candidates) {
    const onnx = onnxIn(c);
    if (!onnx) continue;
    const read = readOnnxSignature(onnx);
    const sig = read.ok
      ? {
          inputs: read.signature.inputs.map((i) => ({ name: i.name, type: { dtype: i.type.dtype, dims: [...i.type.dims] } })),
          outputs: read.signature.outputs.map((o) => ({ name: o.name, type: { dtype: o.type.dtype, dims: [...o.type.dims] } })),
        }
      : null;
    return { model: { key: req.name, name: req.name, kind: 'onnx', path: onnx, origin: req.origin }, signature: sig };
  }
  const backend = req.formats.find((f) => f !== 'triton' && f !== 'onnx') ?? req.formats[0] ?? 'unknown';
  // A Triton layout without an ONNX file (a python or TensorRT model served by Triton): its config has the signature.
  for (const c of candidates) {
    if (!existsSync(join(c, 'config.pbtxt'))) continue;
    const repo = new TritonRepository(dirname(c));
    const entry = repo.config(basename(c));
    for (const [k, v] of repo.sources) sources.set(k, v);
    if (!entry?.config) {
      diagnostics.push(...(entry?.diagnostics ?? []));
      break;
    }
    const cfg = entry.config;
    const batched = cfg.maxBatchSize > 0;
    const sig = (ts: typeof cfg.inputs) =>
      ts.map((t) => ({
        name: t.name,
        type: { dtype: mapDtype(t.dataType).dtype, dims: [...(batched ? ['batch'] : []), ...t.dims.map((d) => (d === -1 ? null : d))] },
      }));
    const be = cfg.backend?.value ?? cfg.platform?.value ?? backend;
    const signature = { inputs: sig(cfg.inputs), outputs: sig(cfg.outputs) };
    diagnostics.push(diag('M8008', req.origin, { model: req.name, backend: be }));
    return {
      model: { key: req.name, name: req.name, kind: 'external', backend: be, signature, advice: adviceFor(be), origin: req.origin },
      signature,
    };
  }
  diagnostics.push(
    diag(
      'M8008',
      req.origin,
      { model: req.name, backend },
      {
        notes: [
          `no ONNX file found for \`${req.name}\` (storageUri ${uri || 'not set'}; looked in ${candidates.map((c) => c.replace(`${yamlDir}/`, '')).join(', ')})`,
        ],
      },
    ),
  );
  return {
    model: {
      key: req.name,
      name: req.name,
      kind: 'external',
      backend,
      signature: { inputs: [], outputs: [] },
      origin: req.origin,
      advice: `${adviceFor(backend)} The resource declares no signature: write its inputs and outputs, or put the ONNX file at models/${req.name}/model.onnx next to the YAML and import again.`,
    },
    signature: null,
  };
}

/** The ONNX file at `p`: the file itself, `p/model.onnx`, or the highest `p/VERSION/model.onnx`. */
function onnxIn(p: string): string | null {
  if (!existsSync(p)) return null;
  const st = statSync(p);
  if (st.isFile()) return p.endsWith('.onnx') ? p : null;
  if (existsSync(join(p, 'model.onnx'))) return join(p, 'model.onnx');
  const versions = readdirSync(p)
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .sort((a, b) => b - a);
  for (const v of versions) if (existsSync(join(p, String(v), 'model.onnx'))) return join(p, String(v), 'model.onnx');
  const any = readdirSync(p)
    .filter((e) => e.endsWith('.onnx'))
    .sort();
  return any.length === 1 ? join(p, any[0]!) : null;
}
