/**
 * Self-made Triton model repositories for the import tests: members are ONNX models built with
 * tools/onnx-build (or python members with only a config), configs written as protobuf text in the
 * several forms Triton accepts, so the importer's parser sees them all.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attr, OnnxModelBuilder } from '../../../../tools/onnx-build.ts';

export interface TensorSpec {
  name: string;
  type: string;
  dims: number[];
  reshape?: number[];
  optional?: boolean;
}

export interface MemberSpec {
  name: string;
  backend?: 'onnxruntime' | 'python' | 'tensorrt';
  maxBatchSize: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Version → ONNX model (onnxruntime members). */
  versions?: Record<number, OnnxModelBuilder>;
  extra?: string;
}

export interface StepSpec {
  model: string;
  version?: number;
  inputMap: Record<string, string>;
  outputMap: Record<string, string>;
}

export interface EnsembleSpec {
  name: string;
  maxBatchSize: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  steps: StepSpec[];
  extra?: string;
}

function tensorText(t: TensorSpec, style: number): string {
  const reshape = t.reshape ? ` reshape: { shape: [ ${t.reshape.join(', ')} ] }` : '';
  const optional = t.optional ? ' optional: true' : '';
  // Alternate the forms Triton accepts: commas or not, `dims: [..]` or repeated `dims: n`.
  const dims = style % 2 === 0 ? `dims: [ ${t.dims.join(', ')} ]` : t.dims.map((d) => `dims: ${d}`).join(' ');
  return style % 2 === 0
    ? `  {\n    name: "${t.name}"\n    data_type: ${t.type}\n    ${dims}${reshape}${optional}\n  }`
    : `{ name: '${t.name}', data_type: ${t.type}; ${dims}${reshape}${optional} }`;
}

function tensorsText(field: string, ts: TensorSpec[]): string {
  if (ts.length === 0) return '';
  // Inputs as one list, outputs as a repeated field: both forms are valid text format.
  if (field === 'input') return `input [\n${ts.map((t, i) => tensorText(t, i * 2)).join(',\n')}\n]\n`;
  return ts.map((t, i) => `output ${tensorText(t, i * 2 + 1)}\n`).join('');
}

export function writeMember(repo: string, m: MemberSpec): void {
  const dir = join(repo, m.name);
  mkdirSync(dir, { recursive: true });
  const backend = m.backend ?? 'onnxruntime';
  const head =
    backend === 'onnxruntime' ? 'platform: "onnxruntime_onnx"' : backend === 'tensorrt' ? 'platform: "tensorrt_plan"' : 'backend: "python"';
  writeFileSync(
    join(dir, 'config.pbtxt'),
    `# member ${m.name}\nname: "${m.name}"\n${head}\nmax_batch_size: ${m.maxBatchSize}\n${tensorsText('input', m.inputs)}${tensorsText('output', m.outputs)}${m.extra ?? ''}`,
  );
  for (const [v, model] of Object.entries(m.versions ?? {})) {
    mkdirSync(join(dir, v), { recursive: true });
    model.writeModel(join(dir, v, 'model.onnx'));
  }
  if (backend === 'python') {
    mkdirSync(join(dir, '1'), { recursive: true });
    writeFileSync(join(dir, '1', 'model.py'), '# the python backend model (not run by m4)\n');
  }
}

export function writeEnsemble(repo: string, e: EnsembleSpec): void {
  const dir = join(repo, e.name);
  mkdirSync(join(dir, '1'), { recursive: true });
  const map = (field: string, m: Record<string, string>) =>
    Object.entries(m)
      .map(([k, v]) => `      ${field} { key: "${k}" value: "${v}" }`)
      .join('\n');
  const steps = e.steps
    .map(
      (s) =>
        `    {\n      model_name: "${s.model}"\n      model_version: ${s.version ?? -1}\n${map('input_map', s.inputMap)}\n${map('output_map', s.outputMap)}\n    }`,
    )
    .join(',\n');
  writeFileSync(
    join(dir, 'config.pbtxt'),
    `name: "${e.name}"\nplatform: "ensemble"\nmax_batch_size: ${e.maxBatchSize}\n${tensorsText('input', e.inputs)}${tensorsText('output', e.outputs)}ensemble_scheduling {\n  step [\n${steps}\n  ]\n}\n${e.extra ?? ''}`,
  );
}

/** `y = x * factor + offset`, elementwise, f32; dims as given (a string is a symbolic dim). */
export function affineModel(o: {
  input: string;
  output: string;
  dims: (number | string)[];
  factor: number;
  offset?: number;
  outDims?: (number | string)[];
}): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: `affine_${o.output}` });
  const x = b.input(o.input, 'f32', o.dims);
  const f = b.initializer('factor', new Float32Array([o.factor]), []);
  const c = b.initializer('offset', new Float32Array([o.offset ?? 0]), []);
  b.add(b.mul(x, f), c, o.output);
  b.output(o.output, 'f32', o.outDims ?? o.dims);
  return b;
}

/** `y = a + b` (fan-in). */
export function sumModel(o: { a: string; b: string; output: string; dims: (number | string)[] }): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'sum' });
  b.input(o.a, 'f32', o.dims);
  b.input(o.b, 'f32', o.dims);
  b.add(o.a, o.b, o.output);
  b.output(o.output, 'f32', o.dims);
  return b;
}

/** Two columns of scores from one: `[p, 1 - p]`-like, shape [N, 2] (a binary classifier's probabilities). */
export function twoColumnModel(o: { input: string; output: string; width: number; sign?: 1 | -1 }): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'two_column' });
  const x = b.input(o.input, 'f32', ['N', o.width]);
  const w = b.initializer('w', new Float32Array(Array.from({ length: o.width * 2 }, (_, i) => ((i % 3) - 1) * 0.25 * (o.sign ?? 1))), [o.width, 2]);
  b.softmax(b.matMul(x, w), -1, o.output);
  b.output(o.output, 'f32', ['N', 2]);
  return b;
}

/** A string → id lookup (ai.onnx.ml LabelEncoder): input str[N], output i64[N]. */
export function vocabModel(o: { input: string; output: string; words: string[] }): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'vocab' });
  b.input(o.input, 'str', ['N']);
  b.node(
    'LabelEncoder',
    [o.input],
    [o.output],
    {
      keys_strings: attr.strings(o.words),
      values_int64s: attr.ints(o.words.map((_, i) => i + 1)),
      default_int64: attr.int(0),
    },
    { domain: 'ai.onnx.ml' },
  );
  b.output(o.output, 'i64', ['N']);
  return b;
}

/** i64[N] → f32[N, 1] (a cast and an unsqueeze): turns ids into a feature column. */
export function idFeatureModel(o: { input: string; output: string }): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'id_feature' });
  const x = b.input(o.input, 'i64', ['N']);
  b.unsqueeze(b.cast(x, 'f32'), [1], o.output);
  b.output(o.output, 'f32', ['N', 1]);
  return b;
}
