/**
 * The `.m4` abstract syntax tree.
 *
 * Every node carries a `span`. Parser recovery can leave any child missing, so every child that the
 * grammar requires is still typed as possibly `undefined` here: passes must check, never assume.
 */

/** A source range. Offsets are 0-based, `end` exclusive; lines and columns 1-based, end column exclusive. */
export interface Span {
  file: string;
  start: number;
  end: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Name {
  text: string;
  /** Written in backticks (`` `onnx::Flatten_0` ``). */
  quoted: boolean;
  span: Span;
}

export interface Program {
  file: string;
  decls: Decl[];
  comments: Comment[];
  span: Span;
}

export interface Comment {
  text: string;
  block: boolean;
  span: Span;
}

export type Decl = InputDecl | ModelDecl | NodeDecl | OutputDecl | CompareDecl | ReplayDecl;

/** `replay "data/replay.jsonl"`: the recorded traffic `m4c run` reads when no `--data` is given. */
export interface ReplayDecl {
  kind: 'replay';
  name?: undefined;
  path: StringLit | undefined;
  span: Span;
}

export type DimExpr =
  { kind: 'fixed'; value: number; text: string; span: Span } | { kind: 'symbol'; name: string; span: Span } | { kind: 'unknown'; span: Span };

export interface TypeExpr {
  dtype: Name | undefined;
  dims: DimExpr[];
  span: Span;
}

export type InputSource = { kind: 'field'; path: StringLit; span: Span } | { kind: 'columns'; items: StringLit[]; span: Span };

export interface InputDecl {
  kind: 'input';
  name: Name | undefined;
  type: TypeExpr | undefined;
  optional: boolean;
  from: InputSource | undefined;
  span: Span;
}

export interface ModelDecl {
  kind: 'model';
  name: Name | undefined;
  /** The loader: `onnx`, or `external` for a model m4 checks by its declared signature but cannot run. */
  loader: Name | undefined;
  /** The positional string argument: the ONNX file of `onnx("...")`. */
  path: StringLit | undefined;
  /** Named arguments in source order: `backend: "python"`, `inputs: {...}`, `outputs: {...}`. */
  options: ModelOption[];
  span: Span;
}

/** `key: "text"` or `key: {name: TYPE, ...}` inside a model loader's parentheses. */
export interface ModelOption {
  key: Name;
  /** Set for `key: "text"`. */
  text: StringLit | undefined;
  /** Set for `key: {...}`: one tensor per entry. */
  fields: SignatureField[] | undefined;
  span: Span;
}

/** `ids: i64[batch, 16]` in an external model's `inputs: {...}` or `outputs: {...}`. */
export interface SignatureField {
  name: Name | undefined;
  type: TypeExpr | undefined;
  span: Span;
}

export interface NodeDecl {
  kind: 'node';
  name: Name | undefined;
  expr: Expr | undefined;
  span: Span;
}

export interface OutputDecl {
  kind: 'output';
  name: Name | undefined;
  expr: Expr | undefined;
  span: Span;
}

export interface CompareField {
  key: Name;
  value: Expr | undefined;
  span: Span;
}

export type Comparator = '>=' | '>' | '<=' | '<';

export interface GateDecl {
  /** `recall.delta` → [recall, delta]; `treatment.auroc` → [treatment, auroc]. */
  path: Name[];
  op: Comparator | undefined;
  bound: NumberLit | undefined;
  /** `at 95%` → the 95 literal. */
  at: NumberLit | undefined;
  text: string;
  span: Span;
}

export interface SinkDecl {
  kind: Name | undefined;
  args: Arg[];
  span: Span;
}

export interface CompareDecl {
  kind: 'compare';
  name: Name | undefined;
  fields: CompareField[];
  gates: GateDecl[];
  sinks: SinkDecl[];
  span: Span;
}

export type Expr = RefExpr | CallExpr | MemberExpr | NumberLit | StringLit | BoolLit | ListExpr;

export interface RefExpr {
  kind: 'ref';
  name: Name;
  span: Span;
}
export interface CallExpr {
  kind: 'call';
  callee: Name;
  args: Arg[];
  span: Span;
}
export interface MemberExpr {
  kind: 'member';
  object: Expr;
  member: Name;
  span: Span;
}
export interface NumberLit {
  kind: 'number';
  value: number;
  text: string;
  span: Span;
}
export interface StringLit {
  kind: 'string';
  value: string;
  span: Span;
}
export interface BoolLit {
  kind: 'bool';
  value: boolean;
  span: Span;
}
export interface ListExpr {
  kind: 'list';
  items: Expr[];
  span: Span;
}

export interface Arg {
  name: Name | undefined;
  value: Expr | undefined;
  span: Span;
}
