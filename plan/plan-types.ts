/**
 * The execution plan: the compiler's only product and the runtime's only input.
 *
 * The JSON Schema in `plan.schema.json` is the normative description; these types mirror it.
 * Any change to the shape bumps `PLAN_FORMAT_VERSION` (version.ts) and the schema's `format_version` const.
 */
import type { DType, Dim } from './tensor-type.ts';
import type { PLAN_FORMAT_VERSION } from './version.ts';

/** Where a plan element came from in the .m4 source; 1-based line and column. */
export interface PlanSpan {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface PlanType {
  dtype: DType;
  dims: Dim[];
}

/** A reference to one output of one node (inputs are nodes too: their single output is `out`). */
export interface PlanRef {
  node: string;
  output: string;
}

/** How a graph input is read from a data row. */
export type PlanInputSource =
  | { kind: 'field'; path: string[] } // `tx` or `payload.tx` (nested), a scalar or a list
  | { kind: 'columns'; paths: string[][] }; // `from ["a", "b", "c"]`: several fields into the last axis

export interface PlanInput {
  name: string;
  type: PlanType;
  optional: boolean;
  source: PlanInputSource;
  span: PlanSpan;
}

export interface PlanValueInfo {
  name: string;
  type: PlanType;
}

export interface PlanModel {
  name: string;
  /** Absolute path at compile time. */
  path: string;
  /** Path relative to the .m4 file, as written. */
  source_path: string;
  sha256: string;
  signature: { inputs: PlanValueInfo[]; outputs: PlanValueInfo[] };
  span: PlanSpan;
  /**
   * Present for `external(...)` models: known by their declared signature only (`path` and `source_path`
   * are empty, `sha256` digests the signature). A runtime refuses a plan that calls one.
   */
  external?: { backend: string | null };
}

export type PlanNode =
  | {
      id: string;
      kind: 'input';
      input: string;
      outputs: PlanValueInfo[]; // [{ name: 'out', type }]
      span: PlanSpan;
    }
  | {
      id: string;
      kind: 'op';
      op: string;
      args: PlanRef[];
      params: Record<string, unknown>;
      outputs: PlanValueInfo[]; // [{ name: 'out', type }]
      span: PlanSpan;
    }
  | {
      id: string;
      kind: 'model';
      model: string;
      /** ONNX input name → value. */
      feeds: Record<string, PlanRef>;
      /** The ONNX outputs this plan uses (a model call computes only what is needed). */
      outputs: PlanValueInfo[];
      span: PlanSpan;
    };

export type PlanTask = { kind: 'binary'; threshold: number } | { kind: 'multiclass'; top_k: number } | { kind: 'regression' };

export type GateComparator = '>=' | '>' | '<=' | '<';

export interface PlanGate {
  /** The gate as written, e.g. `recall.delta >= -0.01 at 95%`. */
  text: string;
  metric: string;
  /** `value` for a label-free pairwise metric (agreement), else which side or change. */
  field: 'value' | 'control' | 'treatment' | 'delta' | 'ratio';
  op: GateComparator;
  bound: number;
  /** `at 95%` → 0.95: the whole interval must satisfy the bound. `null`: the point estimate must. */
  confidence: number | null;
  span: PlanSpan;
}

export type PlanSink =
  | { kind: 'sqlite'; path: string; span: PlanSpan }
  | { kind: 'jsonl'; path: string; span: PlanSpan }
  /** `postgres("postgres://…")` (`url`) or `postgres(env: "NAME")` (`env`: the URL is read when the sink opens). */
  | { kind: 'postgres'; url: string | null; env: string | null; span: PlanSpan };

export interface PlanComparison {
  name: string;
  control: PlanRef;
  treatment: PlanRef;
  label: PlanRef | null;
  slice_by: PlanRef | null;
  task: PlanTask;
  metrics: string[];
  gates: PlanGate[];
  sinks: PlanSink[];
  options: {
    bootstrap: number; // resamples; 0 disables the bootstrap
    seed: number;
    confidence: number; // default interval level for the report
    max_slices: number;
  };
  span: PlanSpan;
}

export interface PlanOutput {
  name: string;
  ref: PlanRef;
  type: PlanType;
  span: PlanSpan;
}

export interface Plan {
  format_version: typeof PLAN_FORMAT_VERSION;
  m4_version: string;
  source: { file: string; sha256: string };
  /** sha256 of the canonical JSON of everything below (inputs..outputs): identifies the graph. */
  plan_hash: string;
  /** Absolute path of the recorded traffic to replay when `m4c run` gets no `--data` (`replay "..."`). */
  default_data?: string;
  inputs: PlanInput[];
  models: PlanModel[];
  /** Topological order: every node appears after the nodes it reads. */
  nodes: PlanNode[];
  edges: { from: PlanRef; to: string }[];
  comparisons: PlanComparison[];
  outputs: PlanOutput[];
}
