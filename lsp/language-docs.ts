/**
 * One-line documentation of the language's built-in words (compare fields, tasks, dtypes, keywords,
 * gate fields, sinks) for hover and completion. Ops and metrics carry their own documentation in the
 * stdlib; these words are defined by the compiler (COMPARE_FIELDS, TASKS) and described in
 * docs/language.md, which this summarises.
 */
import type { COMPARE_FIELDS, TASKS } from '../compiler/compare-check.ts';
import type { DType } from '../plan/tensor-type.ts';

export const COMPARE_FIELD_DOCS: Record<(typeof COMPARE_FIELDS)[number], { snippet: string; doc: string }> = {
  control: { snippet: 'control: ', doc: 'Required. The production signal: a node, an input, or an expression (score or probabilities).' },
  treatment: { snippet: 'treatment: ', doc: 'Required. The candidate signal; same dtype and shape as `control`.' },
  label: {
    snippet: 'label: ',
    doc: 'Optional. The true labels, one per row: 0/1 for binary, the class index for multiclass, the value for regression. Metrics such as accuracy or auroc need it.',
  },
  slice_by: { snippet: 'slice_by: ', doc: 'Optional. A per-row category (an input): every metric is also computed per value.' },
  task: {
    snippet: 'task: ',
    doc: 'Required. `binary(threshold: 0.5)`, `multiclass(top_k: 2)` or `regression`: what the signals are and which metrics apply.',
  },
  metrics: {
    snippet: 'metrics: ',
    doc: "The metrics to compute, e.g. `[accuracy, auroc, agreement]`. Default: the task's main metrics (label-free ones without `label:`).",
  },
  bootstrap: { snippet: 'bootstrap: ', doc: 'Paired bootstrap resamples for confidence intervals (default 1000); 0 turns intervals off.' },
  seed: { snippet: 'seed: ', doc: 'The bootstrap seed (default 0): runs are reproducible.' },
  confidence: { snippet: 'confidence: ', doc: 'The level of the intervals shown in the report (default 0.95).' },
  max_slices: { snippet: 'max_slices: ', doc: 'Slice values beyond this count are folded into "(other)" (default 50).' },
};

export const TASK_DOCS: Record<(typeof TASKS)[number], { insert: string; doc: string }> = {
  binary: {
    insert: 'binary(threshold: 0.5)',
    doc: 'One score per row (`[rows]`, `[rows, 1]`) or two-column probabilities (`[rows, 2]`); a row is positive when its score is `>= threshold` (default 0.5).',
  },
  multiclass: {
    insert: 'multiclass(top_k: 2)',
    doc: 'A probability row per input (`[rows, classes]`); the prediction is the argmax. `top_k` is used by `top_k_accuracy` (default 2).',
  },
  regression: { insert: 'regression', doc: 'One value per row (`[rows]` or `[rows, 1]`).' },
};

export const DTYPE_DOCS: Record<DType, string> = {
  f32: '32-bit float (ONNX FLOAT)',
  f64: '64-bit float (ONNX DOUBLE)',
  i32: '32-bit integer (ONNX INT32)',
  i64: '64-bit integer (ONNX INT64): class labels, counts',
  bool: 'boolean (ONNX BOOL)',
  str: 'string (ONNX STRING): categories, e.g. for `slice_by`; text for `tokenize`',
  bytes: 'a byte string per element: an encoded image (base64 in JSONL and CSV), read by `decode_image`',
  image: 'an image per element, from `decode_image` and `resize`; `to_tensor` turns it into f32 pixels',
};

export const KEYWORD_DOCS: Record<string, string> = {
  input: 'input NAME: DTYPE[DIMS] [optional] [from "FIELD" | from ["COL", ...]] — a value each row of traffic carries',
  model: 'model NAME = onnx("PATH") — an ONNX model, the path relative to this file',
  node: 'node NAME = EXPRESSION — a value computed from inputs, ops and model calls',
  output: 'output NAME = EXPRESSION — what the graph returns when served',
  compare: 'compare NAME { control: ... treatment: ... task: ... } — an A/B comparison with metrics and release gates',
  replay: 'replay "PATH" — the recorded traffic `m4c run` reads when no --data is given',
  optional: 'the input may be absent (labels are present in replays, absent in live traffic)',
  from: 'where a row holds the value: a field path, or a list of fields gathered into the last dimension',
  gate: 'gate METRIC.FIELD OP BOUND [at N%] — a release condition; `m4c run` exits 1 when one fails',
  sink: 'sink sqlite("PATH") | jsonl("PATH") | postgres("URL") | postgres(env: "VAR") — where each run\'s record goes',
  at: 'at N% — the bound must hold for the whole N% confidence interval',
  true: 'boolean literal',
  false: 'boolean literal',
};

export const GATE_FIELD_DOCS: Record<string, string> = {
  delta: 'treatment − control (absolute change)',
  ratio: 'treatment / control (relative change)',
  control: "the control model's value of the metric",
  treatment: "the treatment model's value of the metric",
};

export const SINK_DOCS: Record<string, { insert: string; doc: string }> = {
  sqlite: { insert: 'sqlite("results/ab.db")', doc: 'An SQLite database (the embedded default): one record per run, written in one transaction.' },
  jsonl: { insert: 'jsonl("results/ab.jsonl")', doc: 'A JSON Lines file: one JSON record per run.' },
  postgres: {
    insert: 'postgres(env: "M4_DATABASE_URL")',
    doc: 'A shared PostgreSQL results database, its URL (password included) read from the environment variable when the sink opens; or postgres("postgres://USER@HOST/DB"). One transaction per record.',
  },
};
