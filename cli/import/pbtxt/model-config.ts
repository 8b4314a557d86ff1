/**
 * Triton's `ModelConfig` (model_config.proto) as a schema for the parsed text, and the decoded config the
 * importer reads. Every field of `ModelConfig` and of the messages the importer reads (inputs, outputs,
 * reshape, ensemble steps, version policy, transaction policy, parameters, instance groups) is listed
 * with its type, so a misspelled field or a value of the wrong kind is an error at its line — as Triton
 * itself would refuse to load the model. Messages the importer does not read (optimization, dynamic and
 * sequence batching, warmup, ...) are accepted with any content: only their presence matters.
 */
import type { Span } from '../../../grammar/ast.ts';
import { didYouMean } from '../../../compiler/did-you-mean.ts';
import { diag, type Diagnostic } from '../../../compiler/diagnostics/diagnostic.ts';
import type { PbField, PbValue } from './parse.ts';

type Scalar = 'string' | 'int' | 'uint' | 'float' | 'bool';
interface FieldSpec {
  type: Scalar | { enum: readonly string[] } | { message: string } | { map: Scalar | { message: string } };
  repeated?: boolean;
}

const DATA_TYPES = [
  'TYPE_INVALID',
  'TYPE_BOOL',
  'TYPE_UINT8',
  'TYPE_UINT16',
  'TYPE_UINT32',
  'TYPE_UINT64',
  'TYPE_INT8',
  'TYPE_INT16',
  'TYPE_INT32',
  'TYPE_INT64',
  'TYPE_FP16',
  'TYPE_FP32',
  'TYPE_FP64',
  'TYPE_STRING',
  'TYPE_BF16',
] as const;
const ANY = { message: '*' } as const;

/** Message name → field name → spec. `*` is a message whose content is not checked. */
const SCHEMA: Record<string, Record<string, FieldSpec>> = {
  ModelConfig: {
    name: { type: 'string' },
    platform: { type: 'string' },
    backend: { type: 'string' },
    runtime: { type: 'string' },
    version_policy: { type: { message: 'ModelVersionPolicy' } },
    max_batch_size: { type: 'int' },
    input: { type: { message: 'ModelInput' }, repeated: true },
    output: { type: { message: 'ModelOutput' }, repeated: true },
    batch_input: { type: ANY, repeated: true },
    batch_output: { type: ANY, repeated: true },
    optimization: { type: ANY },
    dynamic_batching: { type: ANY },
    sequence_batching: { type: ANY },
    ensemble_scheduling: { type: { message: 'ModelEnsembling' } },
    instance_group: { type: { message: 'ModelInstanceGroup' }, repeated: true },
    default_model_filename: { type: 'string' },
    cc_model_filenames: { type: { map: 'string' } },
    metric_tags: { type: { map: 'string' } },
    parameters: { type: { map: { message: 'ModelParameter' } } },
    model_warmup: { type: ANY, repeated: true },
    model_operations: { type: ANY },
    model_transaction_policy: { type: { message: 'ModelTransactionPolicy' } },
    model_repository_agents: { type: ANY },
    response_cache: { type: ANY },
    model_metrics: { type: ANY },
  },
  ModelInput: {
    name: { type: 'string' },
    data_type: { type: { enum: DATA_TYPES } },
    format: { type: { enum: ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW'] } },
    dims: { type: 'int', repeated: true },
    reshape: { type: { message: 'ModelTensorReshape' } },
    is_shape_tensor: { type: 'bool' },
    allow_ragged_batch: { type: 'bool' },
    optional: { type: 'bool' },
    is_non_linear_format_io: { type: 'bool' },
  },
  ModelOutput: {
    name: { type: 'string' },
    data_type: { type: { enum: DATA_TYPES } },
    dims: { type: 'int', repeated: true },
    reshape: { type: { message: 'ModelTensorReshape' } },
    label_filename: { type: 'string' },
    is_shape_tensor: { type: 'bool' },
    is_non_linear_format_io: { type: 'bool' },
  },
  ModelTensorReshape: { shape: { type: 'int', repeated: true } },
  ModelEnsembling: { step: { type: { message: 'Step' }, repeated: true }, max_inflight_responses: { type: 'uint' } },
  Step: {
    model_name: { type: 'string' },
    model_version: { type: 'int' },
    input_map: { type: { map: 'string' } },
    output_map: { type: { map: 'string' } },
    model_namespace: { type: 'string' },
  },
  ModelVersionPolicy: { latest: { type: { message: 'Latest' } }, all: { type: { message: 'All' } }, specific: { type: { message: 'Specific' } } },
  Latest: { num_versions: { type: 'uint' } },
  All: {},
  Specific: { versions: { type: 'int', repeated: true } },
  ModelTransactionPolicy: { decoupled: { type: 'bool' } },
  ModelParameter: { string_value: { type: 'string' } },
  ModelInstanceGroup: {
    name: { type: 'string' },
    kind: { type: { enum: ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'] } },
    count: { type: 'int' },
    rate_limiter: { type: ANY },
    gpus: { type: 'int', repeated: true },
    secondary_devices: { type: ANY, repeated: true },
    profile: { type: 'string', repeated: true },
    passive: { type: 'bool' },
    host_policy: { type: 'string' },
  },
};

/** A value with where it was written; `span` is the whole field (`name: value`). */
export interface At<T> {
  value: T;
  span: Span;
}

export interface TensorConfig {
  name: string;
  dataType: string;
  dims: number[];
  reshape: number[] | null;
  optional: boolean;
  span: Span;
}

export interface StepConfig {
  modelName: At<string>;
  /** -1 (the default): the version policy decides. */
  modelVersion: number;
  /** Model tensor name → ensemble tensor name, each with the entry's span. */
  inputMap: { key: string; value: string; span: Span }[];
  outputMap: { key: string; value: string; span: Span }[];
  span: Span;
}

/** What the importer reads of a `config.pbtxt`. */
export interface TritonConfig {
  file: string;
  name: At<string> | null;
  platform: At<string> | null;
  backend: At<string> | null;
  maxBatchSize: number;
  inputs: TensorConfig[];
  outputs: TensorConfig[];
  steps: StepConfig[] | null;
  ensembleSpan: Span | null;
  defaultModelFilename: string | null;
  versionPolicy: { kind: 'latest'; n: number } | { kind: 'all' } | { kind: 'specific'; versions: number[] };
  /** Top-level fields the importer cannot honour (`sequence_batching`, decoupled policy), for the report. */
  unsupported: { construct: string; span: Span }[];
  parameters: Map<string, string>;
  /** The whole file's span (for messages about the file as a whole). */
  span: Span;
}

/**
 * Check the parsed fields against `ModelConfig` and decode what the importer needs. Every problem is a
 * diagnostic at its field; the result is null when any is an error.
 */
export function decodeModelConfig(fields: PbField[], file: string, fileSpan: Span): { config: TritonConfig | null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  checkMessage(fields, 'ModelConfig', diagnostics);
  if (diagnostics.length > 0) return { config: null, diagnostics };
  const top = index(fields);
  const cfg: TritonConfig = {
    file,
    name: str(top, 'name'),
    platform: str(top, 'platform'),
    backend: str(top, 'backend'),
    maxBatchSize: num(top, 'max_batch_size') ?? 0,
    inputs: messages(top, 'input').map((m) => tensor(m.fields, m.span)),
    outputs: messages(top, 'output').map((m) => tensor(m.fields, m.span)),
    steps: null,
    ensembleSpan: null,
    defaultModelFilename: str(top, 'default_model_filename')?.value ?? null,
    versionPolicy: { kind: 'latest', n: 1 },
    unsupported: [],
    parameters: new Map(),
    span: fileSpan,
  };
  const ens = messages(top, 'ensemble_scheduling')[0];
  if (ens) {
    cfg.ensembleSpan = ens.span;
    cfg.steps = messages(index(ens.fields), 'step').map((m) => step(m.fields, m.span));
  }
  const vp = messages(top, 'version_policy')[0];
  if (vp) {
    const v = index(vp.fields);
    const latest = messages(v, 'latest')[0];
    const specific = messages(v, 'specific')[0];
    if (latest) cfg.versionPolicy = { kind: 'latest', n: num(index(latest.fields), 'num_versions') ?? 1 };
    else if (specific) cfg.versionPolicy = { kind: 'specific', versions: nums(index(specific.fields), 'versions') };
    else if (messages(v, 'all')[0]) cfg.versionPolicy = { kind: 'all' };
  }
  const seq = top.get('sequence_batching')?.[0];
  if (seq) cfg.unsupported.push({ construct: 'sequence batching (`sequence_batching`)', span: seq.span });
  const tp = messages(top, 'model_transaction_policy')[0];
  if (tp && bool(index(tp.fields), 'decoupled')) {
    cfg.unsupported.push({ construct: 'a decoupled model (`model_transaction_policy { decoupled: true }`)', span: tp.span });
  }
  for (const entry of mapEntries(top.get('parameters') ?? [])) {
    const v = entry.value?.kind === 'message' ? str(index(entry.value.fields), 'string_value')?.value : undefined;
    if (entry.key !== undefined && v !== undefined) cfg.parameters.set(entry.key, v);
  }
  return { config: cfg, diagnostics };
}

// ── schema check ──────────────────────────────────────────────────────────────────────────────────

function checkMessage(fields: PbField[], type: string, out: Diagnostic[]): void {
  if (type === '*') return;
  const schema = SCHEMA[type]!;
  const seen = new Set<string>();
  for (const f of fields) {
    const spec = schema[f.name];
    if (!spec) {
      const guess = didYouMean(f.name, Object.keys(schema));
      out.push(
        diag(
          'M8002',
          f.nameSpan,
          { message: `\`${type}\` (model_config.proto)`, field: f.name },
          guess ? { help: `did you mean \`${guess}\`?` } : {},
        ),
      );
      continue;
    }
    const repeated = spec.repeated === true || (typeof spec.type === 'object' && 'map' in spec.type);
    if (!repeated && (seen.has(f.name) || f.list)) {
      out.push(
        diag('M8003', f.nameSpan, {
          field: f.name,
          reason: f.list ? 'is not a repeated field: give one value, not a list' : 'is given more than once, and it is not a repeated field',
        }),
      );
      continue;
    }
    seen.add(f.name);
    for (const v of f.values) checkValue(f.name, spec.type, v, out);
  }
}

function checkValue(field: string, type: FieldSpec['type'], v: PbValue, out: Diagnostic[]): void {
  const bad = (reason: string): void => {
    out.push(diag('M8003', v.span, { field, reason }));
  };
  if (typeof type === 'object' && 'map' in type) {
    if (v.kind !== 'message') return bad('is a map: write entries as `{ key: "..." value: ... }`');
    const entry = index(v.fields);
    for (const f of v.fields)
      if (f.name !== 'key' && f.name !== 'value')
        out.push(diag('M8002', f.nameSpan, { message: `a \`${field}\` map entry`, field: f.name }, { help: 'map entries have `key` and `value`' }));
    for (const k of entry.get('key') ?? []) for (const kv of k.values) checkValue(`${field}.key`, 'string', kv, out);
    for (const val of entry.get('value') ?? []) for (const vv of val.values) checkValue(`${field}.value`, type.map, vv, out);
    return;
  }
  if (typeof type === 'object' && 'message' in type) {
    if (v.kind !== 'message') return bad('is a message: write it as `{ ... }`');
    checkMessage(v.fields, type.message, out);
    return;
  }
  if (v.kind === 'message') return bad(`takes ${describeType(type)}, not a message`);
  if (typeof type === 'object') {
    if (v.kind !== 'ident' || !type.enum.includes(v.value)) {
      const shown = v.kind === 'string' ? JSON.stringify(v.value) : v.kind === 'number' ? v.text : v.value;
      const guess = didYouMean(shown.replace(/"/g, ''), type.enum);
      out.push(
        diag(
          'M8003',
          v.span,
          { field, reason: `${shown} is not one of ${type.enum.join(', ')}` },
          guess ? { help: `did you mean \`${guess}\`?` } : {},
        ),
      );
    }
    return;
  }
  switch (type) {
    case 'string':
      if (v.kind !== 'string') bad('takes a string in quotes');
      return;
    case 'bool':
      if (
        !(v.kind === 'ident' && ['true', 'false', 'True', 'False', 't', 'f'].includes(v.value)) &&
        !(v.kind === 'number' && (v.value === 0 || v.value === 1))
      )
        bad('takes true or false');
      return;
    case 'int':
    case 'uint':
      if (v.kind !== 'number' || !Number.isInteger(v.value) || /[.eEfF]/.test(v.text.replace(/^-?0[xX][0-9a-fA-F]+$/, '')))
        bad(`takes ${describeType(type)}`);
      else if (type === 'uint' && v.value < 0) bad('takes a non-negative integer');
      return;
    case 'float':
      if (v.kind !== 'number' && !(v.kind === 'ident' && /^-?(inf|infinity|nan)$/i.test(v.value))) bad('takes a number');
      return;
  }
}

function describeType(t: Scalar | { enum: readonly string[] }): string {
  if (typeof t === 'object') return `one of ${t.enum.join(', ')}`;
  return { string: 'a string', int: 'an integer', uint: 'a non-negative integer', float: 'a number', bool: 'true or false' }[t];
}

// ── decoding (after the schema check: values have the right kinds) ─────────────────────────────────

type Index = Map<string, PbField[]>;

function index(fields: PbField[]): Index {
  const m: Index = new Map();
  for (const f of fields) {
    const list = m.get(f.name);
    if (list) list.push(f);
    else m.set(f.name, [f]);
  }
  return m;
}

function str(ix: Index, name: string): At<string> | null {
  const f = ix.get(name)?.[0];
  const v = f?.values[0];
  return f && v?.kind === 'string' ? { value: v.value, span: f.span } : null;
}

function num(ix: Index, name: string): number | undefined {
  const v = ix.get(name)?.[0]?.values[0];
  return v?.kind === 'number' ? v.value : undefined;
}

function nums(ix: Index, name: string): number[] {
  return (ix.get(name) ?? []).flatMap((f) => f.values.flatMap((v) => (v.kind === 'number' ? [v.value] : [])));
}

function bool(ix: Index, name: string): boolean {
  const v = ix.get(name)?.[0]?.values[0];
  if (!v) return false;
  return v.kind === 'ident' ? ['true', 'True', 't'].includes(v.value) : v.kind === 'number' && v.value === 1;
}

function ident(ix: Index, name: string): string | undefined {
  const v = ix.get(name)?.[0]?.values[0];
  return v?.kind === 'ident' ? v.value : undefined;
}

function messages(ix: Index, name: string): { fields: PbField[]; span: Span }[] {
  return (ix.get(name) ?? []).flatMap((f) => f.values.flatMap((v) => (v.kind === 'message' ? [{ fields: v.fields, span: v.span }] : [])));
}

function mapEntries(fields: PbField[]): { key: string | undefined; value: PbValue | undefined; span: Span }[] {
  return fields.flatMap((f) =>
    f.values.flatMap((v) => {
      if (v.kind !== 'message') return [];
      const e = index(v.fields);
      return [{ key: str(e, 'key')?.value, value: e.get('value')?.[0]?.values[0], span: v.span }];
    }),
  );
}

function tensor(fields: PbField[], span: Span): TensorConfig {
  const ix = index(fields);
  const reshape = messages(ix, 'reshape')[0];
  return {
    name: str(ix, 'name')?.value ?? '',
    dataType: ident(ix, 'data_type') ?? 'TYPE_INVALID',
    dims: nums(ix, 'dims'),
    reshape: reshape ? nums(index(reshape.fields), 'shape') : null,
    optional: bool(ix, 'optional'),
    span,
  };
}

function step(fields: PbField[], span: Span): StepConfig {
  const ix = index(fields);
  const pairs = (name: string) =>
    mapEntries(ix.get(name) ?? []).flatMap((e) =>
      e.key !== undefined && e.value?.kind === 'string' ? [{ key: e.key, value: e.value.value, span: e.span }] : [],
    );
  return {
    modelName: str(ix, 'model_name') ?? { value: '', span },
    modelVersion: num(ix, 'model_version') ?? -1,
    inputMap: pairs('input_map'),
    outputMap: pairs('output_map'),
    span,
  };
}
