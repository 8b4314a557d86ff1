/**
 * What the typecheck pass (typecheck.ts) produces and how an incremental session takes part in it: the data
 * its other files, lowering, the compare checks, the incremental re-check and the language server share.
 * Kept apart from the checker so that a reader of a typing need not depend on how it is computed.
 */
import type { CallExpr, Decl, Expr } from '../grammar/ast.ts';
import type { OpSpec } from '../stdlib/ops/op-spec.ts';
import type { DType, Dim, TensorType } from '../plan/tensor-type.ts';
import type { DimUnifier, Origin } from './dims.ts';
import type { ModelInfo, ModelTable } from './models.ts';
import type { M4Symbol, Resolution } from './resolve.ts';

/** A tensor's static type plus where it came from, for messages. */
export interface ValueType {
  dtype: DType;
  dims: Dim[];
  origin: Origin;
}

/**
 * What an expression evaluates to: a tensor, a model call (a tensor once one of its outputs is selected, or
 * when it has one), or `unknown` after an earlier error (which never produces a second, cascading one).
 */
export type ExprValue =
  | { kind: 'tensor'; type: ValueType }
  | { kind: 'model-call'; call: CallExpr; model: ModelInfo; outputs: Map<string, ValueType> }
  | { kind: 'unknown' };

/** What the checker learned about each call, for lowering. */
export type CallInfo =
  { kind: 'op'; op: OpSpec; params: Record<string, unknown>; args: Expr[] } | { kind: 'model'; model: ModelInfo; feeds: Map<string, Expr> };

/** The typecheck pass's result. */
export interface Typing {
  unifier: DimUnifier;
  /** The value of every expression that was checked. */
  values: Map<Expr, ExprValue>;
  /** Inputs, nodes and outputs that have a known tensor type. */
  declTypes: Map<M4Symbol, ValueType>;
  calls: Map<CallExpr, CallInfo>;
  /** A type as it is known after the whole graph was unified, for plans, hover and messages. */
  resolved(t: { dtype: DType; dims: Dim[] }): TensorType;
}

/**
 * How an incremental session (incremental.ts) takes part in a check: it may supply a declaration's results
 * instead of checking it, and is told what each declaration it did not supply produced. Without hooks,
 * `typecheck` checks everything (the `m4c check` path).
 */
export interface TypecheckHooks {
  /** The unifier to use (a session's recording one). */
  unifier?: DimUnifier;
  /**
   * The maps of values and call facts to fill, holding already what the hook will supply for reused
   * declarations (an incremental session passes the last check's, with what no longer holds removed).
   */
  values?: Map<Expr, ExprValue>;
  calls?: Map<CallExpr, CallInfo>;
  /** Called once, before any declaration is checked. */
  begin?(res: Resolution, order: readonly M4Symbol[], models: ModelTable): void;
  /**
   * Called before a declaration (typed ones in the checking order, then comparisons) is checked: `true` when
   * the hook supplied its results through `supply` instead.
   */
  before?(decl: Decl, sym: M4Symbol, supply: Supply): boolean;
  /** Called after a declaration the hook did not supply was checked. */
  after?(decl: Decl, sym: M4Symbol, checked: CheckedDecl, supply: Supply): void;
  /** The map of declared types to fill (default: a new one). */
  declTypes?: Map<M4Symbol, ValueType>;
  /**
   * Check only the declarations `drive` asks for (an incremental session's fast path, recheck.ts), in the
   * order it asks (each after what it reads). Every other declaration keeps the type `declTypes` holds
   * (the last check's map, updated in place) and its values and call facts in `values` and `calls`.
   */
  partial?: { drive(check: (sym: M4Symbol) => void, supply: Supply): void };
}

/** What a hook may put into the check in place of checking a declaration. */
export interface Supply {
  /** The declared type of an input, node or output (`undefined`: none). */
  setType(sym: M4Symbol, t: ValueType | undefined): void;
  /** The type a symbol has so far in this check (`undefined` when it has none or was not reached). */
  typeOf(sym: M4Symbol): ValueType | undefined;
  setValue(e: Expr, v: ExprValue): void;
  /** The one value every reference to `sym` shares. */
  symbolValue(sym: M4Symbol): ExprValue;
  setCall(c: CallExpr, info: CallInfo): void;
}

/** What checking one declaration did. */
export interface CheckedDecl {
  /** Diagnostics it reported. */
  diagnostics: number;
  /** The declarations it read the types of, in reading order (repeats possible). */
  reads: M4Symbol[];
  /** False when its result depends on more than its text, what it reads and the dims (a file-reading op). */
  cacheable: boolean;
  /** False when it was checked inside another declaration's check (a cycle): not attributable. */
  alone: boolean;
}
