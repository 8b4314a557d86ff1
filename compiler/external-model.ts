/**
 * `model NAME = external(backend: "...", inputs: {...}, outputs: {...})`: a model m4 knows only by its
 * declared signature — a Triton python or TensorRT member, a service without an ONNX file. The compiler
 * type-checks every call against that signature exactly as it does an ONNX model's, so the rest of the
 * graph is checked; the plan marks the model external and the runtime refuses to run it, naming the node.
 */
import { createHash } from 'node:crypto';
import type { ModelDecl, SignatureField } from '../grammar/ast.ts';
import type { DType, Dim } from '../plan/tensor-type.ts';
import { didYouMean } from './did-you-mean.ts';
import { diag, type Diagnostic } from './diagnostics/diagnostic.ts';
import { ONNX_ELEM_TYPE, type OnnxDType, type OnnxSignature, type OnnxValueInfo } from './onnx-signature.ts';

const ONNX_DTYPES = Object.keys(ONNX_ELEM_TYPE) as OnnxDType[];

/** The arguments `external(...)` takes. */
const EXTERNAL_KEYS = ['backend', 'inputs', 'outputs'] as const;

export interface ExternalModel {
  signature: OnnxSignature;
  /** `backend: "python"` when given: what serves the model elsewhere. */
  backend: string | null;
  /** sha256 of the declared signature, so the plan hash changes when the signature does. */
  sha256: string;
}

/**
 * Read an external model's declared signature. Returns undefined (with diagnostics) when it is unusable;
 * calls of the model are then left unchecked, as for an unreadable ONNX file.
 */
export function externalModel(decl: ModelDecl, diagnostics: Diagnostic[]): ExternalModel | undefined {
  const model = decl.name?.text ?? '?';
  let ok = true;
  const bad = (span: ModelDecl['span'], reason: string) => {
    diagnostics.push(diag('M2012', span, { model, reason }));
    ok = false;
  };
  if (decl.path) bad(decl.path.span, '`external` takes no file: declare the signature with `inputs: {...}` and `outputs: {...}`');
  let backend: string | null = null;
  const sections: Partial<Record<'inputs' | 'outputs', SignatureField[]>> = {};
  const seen = new Set<string>();
  for (const o of decl.options) {
    const key = o.key.text;
    if (!(EXTERNAL_KEYS as readonly string[]).includes(key)) {
      const guess = didYouMean(key, EXTERNAL_KEYS);
      bad(o.key.span, `unknown argument \`${key}\`${guess ? ` (did you mean \`${guess}\`?)` : ''}; \`external\` takes backend, inputs and outputs`);
      continue;
    }
    if (seen.has(key)) {
      bad(o.key.span, `\`${key}\` is given twice`);
      continue;
    }
    seen.add(key);
    if (key === 'backend') {
      if (!o.text) bad(o.span, '`backend:` takes a string, e.g. `backend: "python"`');
      else backend = o.text.value;
    } else if (!o.fields) {
      bad(o.span, `\`${key}:\` takes tensors in braces, e.g. \`${key}: {x: f32[batch, 4]}\``);
    } else {
      sections[key as 'inputs' | 'outputs'] = o.fields;
    }
  }
  if (!sections.outputs || sections.outputs.length === 0)
    bad(decl.loader?.span ?? decl.span, 'it needs `outputs: {NAME: TYPE, ...}` with at least one tensor');
  const inputs = tensors(sections.inputs ?? [], diagnostics, model);
  const outputs = tensors(sections.outputs ?? [], diagnostics, model);
  if (!ok || !inputs || !outputs) return undefined;
  const signature: OnnxSignature = { inputs, outputs, unsupportedOutputs: [], opset: 0, opsets: {}, irVersion: 0 };
  const canonical = JSON.stringify({ backend, inputs: inputs.map(plain), outputs: outputs.map(plain) });
  return { signature, backend, sha256: createHash('sha256').update(canonical).digest('hex') };
}

function plain(v: OnnxValueInfo): { name: string; dtype: DType; dims: Dim[] } {
  return { name: v.name, dtype: v.type.dtype, dims: v.type.dims };
}

function tensors(fields: SignatureField[], diagnostics: Diagnostic[], model: string): OnnxValueInfo[] | undefined {
  const out: OnnxValueInfo[] = [];
  const names = new Set<string>();
  let ok = true;
  for (const f of fields) {
    if (!f.name || !f.type?.dtype) {
      ok = false;
      continue;
    } // a syntax error was reported already
    if (names.has(f.name.text)) {
      diagnostics.push(diag('M2012', f.name.span, { model, reason: `tensor \`${f.name.text}\` is declared twice` }));
      ok = false;
      continue;
    }
    names.add(f.name.text);
    const dtype = f.type.dtype.text;
    // An external model is a model server's member: its tensors have ONNX's element types (no bytes/image).
    if (!(ONNX_DTYPES as readonly string[]).includes(dtype)) {
      const guess = didYouMean(dtype, ONNX_DTYPES);
      diagnostics.push(diag('M3001', f.type.dtype.span, { name: dtype }, guess ? { help: `did you mean \`${guess}\`?` } : {}));
      ok = false;
      continue;
    }
    const dims: Dim[] = [];
    for (const d of f.type.dims) {
      if (d.kind === 'fixed' && (!Number.isInteger(d.value) || d.value < 1)) {
        diagnostics.push(diag('M3006', d.span, { text: d.text }));
        ok = false;
      }
      dims.push(d.kind === 'fixed' ? d.value : d.kind === 'symbol' ? d.name : null);
    }
    out.push({ name: f.name.text, type: { dtype: dtype as DType, dims }, onnxElemType: ONNX_ELEM_TYPE[dtype as OnnxDType] });
  }
  return ok ? out : undefined;
}
