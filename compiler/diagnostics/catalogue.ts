/**
 * Every diagnostic m4 can report, with its stable code. Codes never change meaning once released; a
 * retired code is left in place, marked retired, never reused.
 *
 * Ranges by pass: M0xxx syntax · M1xxx names (resolve) · M2xxx models (ONNX) · M3xxx types and shapes ·
 * M4xxx op parameters · M5xxx graph · M6xxx comparisons · M7xxx plan.
 */

type Sev = 'error' | 'warning' | 'info';

interface Entry<A> {
  severity: Sev;
  /** A short title, used in docs/diagnostics.md and the language server. */
  title: string;
  message: (args: A) => string;
  /** The default help line, when the fix is the same every time. */
  help?: string;
}

function entry<A = Record<string, never>>(severity: Sev, title: string, message: (args: A) => string, help?: string): Entry<A> {
  return { severity, title, message, help };
}

const q = (s: string) => `\`${s}\``;
/** Source text as inline code; text that holds a backtick (a quoted name) gets a double-backtick fence. */
const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

export const CATALOGUE = {
  // ── M0xxx: syntax ────────────────────────────────────────────────────────────────────────────
  M0001: entry<{ text: string }>(
    'error',
    'unexpected character',
    (a) => `unexpected character ${JSON.stringify(a.text)}`,
    'remove it; names are letters, digits and `_`, and other names are written in backticks',
  ),
  M0002: entry('error', 'unterminated string', () => 'this string is never closed', 'close it with `"` on the same line'),
  M0003: entry('error', 'unterminated comment', () => 'this comment is never closed', 'close it with `*/`'),
  M0004: entry<{ found: string; expected: string }>('error', 'unexpected token', (a) => `unexpected ${a.found}: expected ${a.expected}`),
  M0005: entry<{ expected: string; what: string }>('error', 'incomplete declaration', (a) => `${a.what} ends too early: expected ${a.expected}`),
  M0006: entry<{ found: string }>(
    'error',
    'expected a declaration',
    (a) => `expected a declaration, found ${a.found}`,
    'a file is a list of declarations: `input`, `model`, `node`, `compare`, `output`',
  ),
  M0007: entry<{ limit: number }>(
    'error',
    'nesting too deep',
    (a) => `brackets nested more than ${a.limit} deep`,
    'split the expression into several `node` declarations',
  ),
  M0008: entry<{ text: string }>(
    'error',
    'number out of range',
    (a) => `the number ${a.text} is too large: numbers are 64-bit floats (at most about 1.8e308)`,
    'write a smaller number',
  ),

  // ── M1xxx: names ─────────────────────────────────────────────────────────────────────────────
  M1001: entry<{ name: string }>('error', 'unknown name', (a) => `unknown name ${q(a.name)}`),
  M1002: entry<{ name: string; kind: string }>(
    'error',
    'duplicate declaration',
    (a) => `${q(a.name)} is already declared (as ${a.kind})`,
    'rename one of the two declarations',
  ),
  M1003: entry<{ name: string; kind: string }>(
    'warning',
    'unused declaration',
    (a) => `${a.kind} ${q(a.name)} is never used`,
    'use it, or remove the declaration',
  ),
  M1004: entry<{ name: string }>('error', 'unknown op or model', (a) => `${q(a.name)} is neither a stdlib op nor a declared model`),
  M1005: entry<{ name: string; kind: string }>(
    'error',
    'not callable',
    (a) => `${q(a.name)} is ${a.kind}, not an op or a model: it cannot be called`,
  ),
  M1006: entry<{ name: string }>(
    'error',
    'model used as a value',
    (a) => `model ${q(a.name)} is used as a value`,
    'call it with its inputs, e.g. `model(x: ...)`, and select an output',
  ),
  M1007: entry<{ name: string }>('error', 'comparison used as a value', (a) => `comparison ${q(a.name)} produces no value that can be read`),
  M1008: entry<{ loader: string }>(
    'error',
    'unknown model loader',
    (a) => `unknown model loader ${q(a.loader)}`,
    'models are declared as `model NAME = onnx("path/to/model.onnx")`, or by signature as `model NAME = external(inputs: {...}, outputs: {...})`',
  ),
  M1009: entry<{ name: string }>('error', 'reserved name', (a) => `${q(a.name)} is reserved`, 'choose another name'),
  M1010: entry<{ name: string }>('error', 'node refers to itself', (a) => `${q(a.name)} refers to itself`),
  M1011: entry(
    'error',
    'several replay declarations',
    () => 'a file declares at most one `replay`',
    'keep one; pass other data with `m4c run --data PATH`',
  ),
  M1012: entry<{ path: string }>(
    'warning',
    'replay file not found',
    (a) => `replay file not found: ${a.path}`,
    '`m4c run` without `--data` will fail until it exists; the path is relative to the .m4 file',
  ),

  // ── M2xxx: models ────────────────────────────────────────────────────────────────────────────
  M2001: entry<{ path: string }>('error', 'model file not found', (a) => `model file not found: ${a.path}`, 'the path is relative to the .m4 file'),
  M2002: entry<{ path: string; reason: string }>('error', 'not an ONNX model', (a) => `${a.path} is not a readable ONNX model: ${a.reason}`),
  M2003: entry<{ model: string; name: string }>('error', 'unknown model input', (a) => `model ${q(a.model)} has no input ${q(a.name)}`),
  M2004: entry<{ model: string; names: string }>(
    'error',
    'missing model input',
    (a) => `call of ${q(a.model)} does not bind the input${a.names.includes(',') ? 's' : ''} ${a.names}`,
  ),
  M2005: entry<{ model: string; name: string }>('error', 'unknown model output', (a) => `model ${q(a.model)} has no output ${q(a.name)}`),
  M2006: entry<{ model: string; outputs: string }>(
    'error',
    'model output not selected',
    (a) => `model ${q(a.model)} has several outputs (${a.outputs}): select one`,
    'append `.NAME` to the call, e.g. `.probabilities`',
  ),
  M2007: entry<{ model: string }>(
    'error',
    'positional model argument',
    (a) => `arguments of model ${q(a.model)} must be named after its ONNX inputs`,
    'write `NAME: value` for each input',
  ),
  M2008: entry<{ model: string; name: string; reason: string }>(
    'error',
    'unsupported model output',
    (a) => `output ${q(a.name)} of model ${q(a.model)} cannot be used: ${a.reason}`,
  ),
  M2009: entry<{ model: string; name: string }>('error', 'model input bound twice', (a) => `input ${q(a.name)} of ${q(a.model)} is bound twice`),
  M2011: entry<{ name: string }>(
    'error',
    'not a model output',
    (a) => `${q(a.name)} is not a model call: only model calls have outputs to select`,
    'select outputs on a model call, e.g. `v1(x: scaled).probabilities`',
  ),
  M2010: entry<{ model: string; reason: string }>('error', 'unsupported model', (a) => `model ${q(a.model)} cannot be used: ${a.reason}`),
  M2012: entry<{ model: string; reason: string }>('error', 'invalid model arguments', (a) => `model ${q(a.model)}: ${a.reason}`),
  M2013: entry<{ model: string; backend: string }>(
    'info',
    'external model',
    (a) => `model ${q(a.model)} is external (${a.backend}): calls are checked against its declared signature, but \`m4c run\` cannot run it`,
    'export it to ONNX and declare it with `onnx("path/to/model.onnx")`, or replace it with stdlib ops',
  ),

  // ── M3xxx: types and shapes ──────────────────────────────────────────────────────────────────
  M3001: entry<{ name: string }>('error', 'unknown dtype', (a) => `unknown dtype ${q(a.name)}`, 'dtypes are f32, f64, i32, i64, bool, str and bytes'),
  M3002: entry<{ what: string; expected: string; found: string }>(
    'error',
    'dtype mismatch',
    (a) => `${a.what}: expected ${a.expected}, found ${a.found}`,
  ),
  M3003: entry<{ what: string; expected: string; found: string }>(
    'error',
    'shape mismatch',
    (a) => `${a.what}: shapes differ: expected ${a.expected}, found ${a.found}`,
  ),
  M3004: entry<{ what: string; expected: number; found: number }>(
    'error',
    'rank mismatch',
    (a) => `${a.what}: expected rank ${a.expected}, found rank ${a.found}`,
  ),
  M3005: entry<{ op: string; message: string }>('error', 'op type error', (a) => `${q(a.op)}: ${a.message}`),
  M3006: entry<{ text: string }>(
    'error',
    'invalid dimension',
    (a) => `invalid dimension ${a.text}: dimensions are positive integers, names or \`?\``,
  ),
  M3007: entry<{ symbol: string; first: string; second: string }>(
    'error',
    'dimension conflict',
    (a) => `dimension ${q(a.symbol)} cannot be both ${a.first} and ${a.second}`,
  ),
  M3008: entry<{ name: string }>(
    'error',
    'input needs a row dimension',
    (a) => `input ${q(a.name)} needs at least one dimension (the rows)`,
    'write e.g. `f32[batch]` for one value per row',
  ),
  M3009: entry<{ what: string }>(
    'error',
    'literal where a tensor is expected',
    (a) => `${a.what} must be a tensor (an input, a node or a model output), not a literal`,
  ),
  M3010: entry<{ path: string }>(
    'error',
    'empty field path',
    (a) => `invalid field path ${JSON.stringify(a.path)}`,
    'write a field name, or nested fields separated by `.`',
  ),
  M3011: entry<{ name: string; dims: number; columns: number }>(
    'error',
    'columns do not match the shape',
    (a) => `input ${q(a.name)} gathers ${a.columns} columns but its last dimension is ${a.dims}`,
  ),
  M3012: entry<{ op: string }>(
    'error',
    'op does not read images',
    (a) => `${q(a.op)} does not read images`,
    'turn images into pixels first: `to_tensor(resize(img, width: W, height: H))`',
  ),
  M3013: entry<{ name: string }>(
    'error',
    'image input',
    (a) => `input ${q(a.name)} cannot be of dtype \`image\``,
    'declare the encoded bytes, `bytes[batch]`, and decode them with `decode_image(...)`',
  ),

  // ── M4xxx: op parameters ─────────────────────────────────────────────────────────────────────
  M4001: entry<{ op: string; param: string; reason: string }>(
    'error',
    'invalid op parameter',
    (a) => `${q(a.op)} parameter ${q(a.param)} ${a.reason}`,
  ),
  M4002: entry<{ op: string; param: string }>('error', 'unknown op parameter', (a) => `${q(a.op)} has no parameter ${q(a.param)}`),
  M4003: entry<{ op: string; param: string }>('error', 'missing op parameter', (a) => `${q(a.op)} needs the parameter ${q(a.param)}`),
  M4004: entry<{ op: string; expected: string; found: number }>(
    'error',
    'wrong number of arguments',
    (a) => `${q(a.op)} takes ${a.expected} tensor argument${a.expected === '1' ? '' : 's'}, found ${a.found}`,
  ),
  M4005: entry<{ op: string; param: string }>(
    'error',
    'parameter must be a literal',
    (a) => `${q(a.op)} parameter ${q(a.param)} must be a literal value (number, string, boolean or list)`,
  ),
  M4006: entry<{ op: string; param: string }>('error', 'duplicate parameter', (a) => `${q(a.op)} parameter ${q(a.param)} is given twice`),
  M4007: entry<{ op: string; param: string; reason: string }>(
    'error',
    'file parameter unusable',
    (a) => `${q(a.op)} cannot use the file of ${q(a.param)}: ${a.reason}`,
    'the path is relative to this .m4 file',
  ),

  // ── M5xxx: graph ─────────────────────────────────────────────────────────────────────────────
  M5001: entry<{ cycle: string }>('error', 'cycle', (a) => `these declarations form a cycle: ${a.cycle}`, 'a graph must be acyclic: break the cycle'),
  M5002: entry<{ name: string }>(
    'warning',
    'node reaches nothing',
    (a) => `node ${q(a.name)} reaches no output and no comparison: it will never run`,
    'use it in an `output` or a `compare` block, or remove it',
  ),
  M5003: entry('warning', 'empty graph', () => 'this file declares no output and no comparison: running it does nothing'),

  // ── M6xxx: comparisons ───────────────────────────────────────────────────────────────────────
  M6001: entry<{ field: string; name: string }>('error', 'missing comparison field', (a) => `comparison ${q(a.name)} needs \`${a.field}:\``),
  M6002: entry<{ control: string; treatment: string }>(
    'error',
    'control and treatment differ',
    (a) => `control and treatment must have the same type: ${a.control} vs ${a.treatment}`,
  ),
  M6003: entry<{ task: string; found: string; expected: string }>(
    'error',
    'signal does not fit the task',
    (a) => `a ${a.task} comparison needs ${a.expected}, found ${a.found}`,
  ),
  M6004: entry<{ metric: string; task: string }>(
    'error',
    'metric not valid for the task',
    (a) => `metric ${q(a.metric)} does not apply to a ${a.task} comparison`,
  ),
  M6005: entry<{ metric: string }>(
    'error',
    'metric needs labels',
    (a) => `metric ${q(a.metric)} needs labels, and this comparison has no \`label:\``,
    'add `label: NAME` with an input holding the true labels, or remove the metric',
  ),
  M6006: entry<{ metric: string }>('error', 'unknown metric', (a) => `unknown metric ${q(a.metric)}`),
  M6007: entry<{ field: string; metric: string; allowed: string }>(
    'error',
    'unknown gate field',
    (a) => `${q(a.metric)} has no field ${q(a.field)}: use ${a.allowed}`,
  ),
  M6008: entry<{ field: string }>('error', 'unknown comparison field', (a) => `unknown comparison field ${q(a.field)}`),
  M6009: entry<{ task: string }>(
    'error',
    'unknown task',
    (a) => `unknown task ${q(a.task)}`,
    'tasks are binary(threshold: 0.5), multiclass(top_k: 2) and regression',
  ),
  M6010: entry<{ sink: string }>(
    'error',
    'unknown sink',
    (a) => `unknown sink ${q(a.sink)}`,
    'sinks are sqlite("path.db"), jsonl("path.jsonl") and postgres("postgres://…") or postgres(env: "VARIABLE")',
  ),
  M6011: entry<{ reason: string }>('error', 'invalid gate', (a) => `invalid gate: ${a.reason}`),
  M6012: entry<{ found: string; expected: string }>('error', 'label does not fit', (a) => `labels must be ${a.expected}, found ${a.found}`),
  M6013: entry<{ found: string }>('error', 'invalid slice', (a) => `\`slice_by\` must be one value per row, found ${a.found}`),
  M6014: entry<{ field: string }>('error', 'duplicate comparison field', (a) => `\`${a.field}:\` is given twice`),
  M6015: entry<{ field: string; reason: string }>('error', 'invalid comparison option', (a) => `\`${a.field}:\` ${a.reason}`),
  M6016: entry<{ metric: string }>(
    'warning',
    'gate on an unrequested metric',
    (a) => `gate uses ${q(a.metric)}, which is not in \`metrics:\`; it is computed for the gate`,
  ),
  M6018: entry<{ metric: string; allowed: string }>(
    'error',
    'gate needs a field',
    (a) => `\`${a.metric}\` is measured on each model: say which value the gate bounds`,
    undefined,
  ),
  M6017: entry<{ field: string; what: string }>('error', 'comparison field must be a value', (a) => `\`${a.field}:\` must name ${a.what}`),

  // ── M8xxx: m4c import (reported at the source platform's file and line) ────────────────────
  M8001: entry<{ format: string; message: string }>('error', 'source syntax error', (a) => `${a.format}: ${a.message}`),
  M8002: entry<{ message: string; field: string }>('error', 'unknown field', (a) => `${a.message} has no field ${q(a.field)}`),
  M8003: entry<{ field: string; reason: string }>('error', 'invalid field value', (a) => `${q(a.field)}: ${a.reason}`),
  M8004: entry<{ what: string; name: string; where: string }>('error', 'member not found', (a) => `${a.what} ${q(a.name)} is not in ${a.where}`),
  M8005: entry<{ model: string; reason: string }>('error', 'member model file not found', (a) => `no model file for ${q(a.model)}: ${a.reason}`),
  M8006: entry<{ tensor: string; reader: string }>(
    'error',
    'tensor never produced',
    (a) => `tensor ${q(a.tensor)} is read by ${a.reader}, but no input or step produces it`,
  ),
  M8007: entry<{ construct: string; instead: string }>(
    'warning',
    'unsupported construct',
    (a) => `${a.construct} is not supported by m4: ${a.instead}`,
  ),
  M8008: entry<{ model: string; backend: string }>(
    'warning',
    'member m4 cannot run',
    (a) => `${q(a.model)} runs on the ${a.backend} backend, which m4 cannot run: declared \`external\` by its signature`,
    'export it to ONNX (then `onnx("...")`), or replace it with stdlib ops; `m4c run` refuses the graph until then',
  ),
  M8009: entry<{ cycle: string }>('error', 'steps form a cycle', (a) => `these steps form a cycle: ${a.cycle}`, 'a serving graph must be acyclic'),
  M8010: entry<{ reason: string }>('error', 'nothing to import', (a) => a.reason),
  M8011: entry<{ tensor: string }>('error', 'tensor produced twice', (a) => `tensor ${q(a.tensor)} is produced by more than one step`),
  M8012: entry<{ dtype: string }>(
    'error',
    'unsupported dtype',
    (a) => `${a.dtype} has no m4 dtype`,
    'm4 dtypes are f32, f64, i32, i64, bool and str: convert the tensor in the model, or declare the member `external`',
  ),

  // ── M7xxx: plan ──────────────────────────────────────────────────────────────────────────────
  M7001: entry<{ detail: string }>(
    'error',
    'internal error',
    (a) => `internal compiler error: ${a.detail}`,
    'this is a bug in m4; please report it with the .m4 file',
  ),
  M7002: entry<{ hidden: number; shown: number }>(
    'warning',
    'more diagnostics not shown',
    (a) => `and ${a.hidden} more diagnostic${a.hidden === 1 ? '' : 's'} in this file (the first ${a.shown} are shown)`,
    'fix these and check again; this diagnostic has the severity of the worst one it hides',
  ),
} as const;

export type DiagnosticCode = keyof typeof CATALOGUE;

export const ALL_CODES = Object.keys(CATALOGUE) as DiagnosticCode[];

/**
 * The help lines passes attach when the fix depends on the case (the catalogue's `help` is the default
 * when it does not). Passes take their words from here, so every user-facing sentence lives in this file.
 */
export const HELP = {
  didYouMean: (name: string) => `did you mean ${q(name)}?`,
  /** The title of the quick fix that applies a did-you-mean. */
  replaceWith: (name: string) => `replace with ${q(name)}`,
  /** The title of the quick fix that selects a model output. */
  selectOutput: (name: string) => `select ${q(name)}`,
  renameArgument: (from: string, to: string) => `the model's input is ${q(to)}: rename ${q(from)} to ${q(to)}`,
  declareValue: 'declare it with `input`, or as a `node`',
  declareCallee: 'see docs/ops.md for the stdlib ops, or declare a model with `model NAME = onnx("...")`',
  compareFields: (fields: readonly string[]) => `fields are ${fields.join(', ')}; gates are written \`gate METRIC.FIELD >= BOUND\``,
  addCompareField: (field: string) => `add \`${field}: NODE\` to the block`,
  addTask: 'add `task: binary(threshold: 0.5)`, `task: multiclass` or `task: regression`',
  scoresNotLabels: 'compare scores or probabilities, not predicted labels; or `cast(..., to: "f32")`',
  selectPositiveColumn: 'select the positive column with `column(..., index: 1)`',
  seeMetrics: 'see docs/metrics.md for the metrics of each task',
  write: (what: string) => `write ${what}`,
  noIntervalWithoutBootstrap: 'remove `bootstrap: 0`, or gate on the point estimate (drop `at ...`)',
  addSink: 'add an `output NAME = ...` or a `compare NAME { ... }` block',
  opParameters: (op: string, params: readonly string[]) => `parameters of ${q(op)}: ${params.join(', ') || 'none'}`,
  addParameter: (name: string) => `add \`${name}: ...\` to the call`,
  addArguments: (names: readonly string[]) => `add ${names.map((n) => code(`${n}: ...`)).join(', ')} to the call`,
  literalsAreParameters: (params: readonly string[]) => `literal values are named parameters: ${params.map((p) => `${p}: ...`).join(', ')}`,
  cast: (dtype: string) => `convert it with \`cast(..., to: "${dtype}")\``,
} as const;

/** The note lines passes attach: extra facts, one line each. */
export const NOTE = {
  lookedFor: (path: string) => `looked for ${path}`,
  usage: (example: string) => `usage: ${example}`,
  appliesTo: (metric: string, tasks: readonly string[]) => `${q(metric)} applies to: ${tasks.join(', ')}`,
  parameter: (name: string, description: string) => `${q(name)}: ${description}`,
  inputsOf: (model: string, inputs: readonly string[]) => `inputs of ${q(model)}: ${inputs.join(', ')}`,
  outputsOf: (model: string, outputs: readonly string[]) => `outputs of ${q(model)}: ${outputs.join(', ')}`,
  typed: (name: string, type: string) => `${q(name)}: ${type}`,
  expected: (type: string, where: string) => `expected ${type}: ${where}`,
  found: (type: string, where: string) => `found ${type}: ${where}`,
  side: (side: string, type: string, where: string) => `${side} ${type}: ${where}`,
  argument: (index: number, type: string, where: string) => `argument ${index}: ${type}, ${where}`,
  dimensionDiffers: (index: number, first: string, second: string) => `dimension ${index} differs: ${first} vs ${second}`,
  fixedBy: (size: string, where: string) => `${size}: ${where}`,
  whileChecking: (what: string) => `while checking ${what}`,
} as const;
