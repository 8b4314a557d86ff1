/**
 * The two arms of a served graph, as two plans the executor can run on their own.
 *
 * A `compare` block names a control and a treatment value. Serving answers every request from ONE arm
 * and runs the other off the response path, so each arm gets a plan of its own:
 * - its outputs are the graph's `output`s as that arm computes them: a node that reads the other arm's
 *   side of a comparison reads this arm's side instead (`output score = treat` is `control` for the
 *   control arm);
 * - plus, per comparison, this arm's side and the `slice_by` value as extra outputs, which the online
 *   comparison pairs up.
 * Labels are not computed by either arm: they arrive later through `/v1/feedback`.
 *
 * Pure plan → plan; the executor's program then keeps only the nodes each arm needs.
 */
import { EXIT, M4Error } from '../../plan/errors.ts';
import type { Plan, PlanNode, PlanOutput, PlanRef } from '../../plan/plan-types.ts';

/** Which side of the comparisons an arm computes. */
export type Arm = 'control' | 'treatment';

export const ARMS: readonly Arm[] = ['control', 'treatment'];

/** The other arm. */
export function otherArm(arm: Arm): Arm {
  return arm === 'control' ? 'treatment' : 'control';
}

/** Names of the extra outputs an arm plan carries for a comparison. */
export interface ArmComparisonOutputs {
  comparison: string;
  /** This arm's side of the comparison (its control or treatment value). */
  side: string;
  /** The `slice_by` value, or null. */
  slice: string | null;
}

/** One arm's plan and what its extra outputs mean. */
export interface ArmPlan {
  arm: Arm;
  plan: Plan;
  /** The graph's own outputs, in plan order (the answer of a request). */
  answerOutputs: string[];
  comparisons: ArmComparisonOutputs[];
}

/** A graph that cannot be served one arm at a time. */
export class ArmPlanError extends M4Error {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

const refKey = (r: PlanRef): string => `${r.node}\u0000${r.output}`;

/** Output names cannot contain NUL in a `.m4` file, so these never clash with the graph's own outputs. */
const sideOutput = (comparison: string): string => `\u0000side:${comparison}`;
const sliceOutput = (comparison: string): string => `\u0000slice:${comparison}`;

/** Every node reading (directly or not) one of `roots`. */
function downstream(plan: Plan, roots: ReadonlySet<string>): Set<string> {
  const hit = new Set<string>();
  for (const n of plan.nodes) {
    const reads = n.kind === 'op' ? n.args : n.kind === 'model' ? Object.values(n.feeds) : [];
    if (reads.some((r) => roots.has(refKey(r)) || hit.has(r.node))) hit.add(n.id);
  }
  return hit;
}

/**
 * Build the plan of `arm`. Throws {@link ArmPlanError} when an output reads both sides of a comparison
 * (it could not be answered by one arm).
 */
export function armPlan(plan: Plan, arm: Arm): ArmPlan {
  const swap = new Map<string, PlanRef>();
  for (const c of plan.comparisons) {
    const mine = arm === 'control' ? c.control : c.treatment;
    const theirs = arm === 'control' ? c.treatment : c.control;
    if (refKey(mine) !== refKey(theirs)) swap.set(refKey(theirs), mine);
  }
  checkOneArmOutputs(plan);
  const sw = (r: PlanRef): PlanRef => swap.get(refKey(r)) ?? r;
  const nodes: PlanNode[] = plan.nodes.map((n) => {
    if (n.kind === 'op') return { ...n, args: n.args.map(sw) };
    if (n.kind === 'model') return { ...n, feeds: Object.fromEntries(Object.entries(n.feeds).map(([k, r]) => [k, sw(r)])) };
    return n;
  });
  const outputs: PlanOutput[] = plan.outputs.map((o) => ({ ...o, ref: sw(o.ref) }));
  const comparisons: ArmComparisonOutputs[] = [];
  for (const c of plan.comparisons) {
    const side = arm === 'control' ? c.control : c.treatment;
    const typeOf = (r: PlanRef) => plan.nodes.find((n) => n.id === r.node)!.outputs.find((o) => o.name === r.output)!.type;
    outputs.push({ name: sideOutput(c.name), ref: side, type: typeOf(side), span: c.span });
    if (c.slice_by !== null) outputs.push({ name: sliceOutput(c.name), ref: c.slice_by, type: typeOf(c.slice_by), span: c.span });
    comparisons.push({ comparison: c.name, side: sideOutput(c.name), slice: c.slice_by === null ? null : sliceOutput(c.name) });
  }
  const edges = plan.edges.map((e) => ({ ...e, from: sw(e.from) }));
  return {
    arm,
    plan: { ...plan, nodes, edges, outputs, comparisons: [] },
    answerOutputs: plan.outputs.map((o) => o.name),
    comparisons,
  };
}

/** An output downstream of both sides of one comparison mixes the arms. */
function checkOneArmOutputs(plan: Plan): void {
  for (const c of plan.comparisons) {
    const fromControl = downstream(plan, new Set([refKey(c.control)]));
    const fromTreatment = downstream(plan, new Set([refKey(c.treatment)]));
    for (const o of plan.outputs) {
      const readsControl = refKey(o.ref) === refKey(c.control) || fromControl.has(o.ref.node);
      const readsTreatment = refKey(o.ref) === refKey(c.treatment) || fromTreatment.has(o.ref.node);
      if (readsControl && readsTreatment && refKey(c.control) !== refKey(c.treatment)) {
        throw new ArmPlanError(
          `output \`${o.name}\` (${o.span.file}:${o.span.line}) reads both the control and the treatment of \`${c.name}\`: m4c serve answers each request from one arm`,
        );
      }
    }
  }
}
