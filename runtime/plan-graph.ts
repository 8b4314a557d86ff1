/**
 * Turns a validated plan into the executor's program: the nodes that outputs and comparisons need
 * (and only those), in the plan's topological order, with every edge resolved to an integer value
 * slot so the per-batch loop indexes arrays instead of looking names up.
 */
import type { Plan, PlanNode, PlanRef, PlanType } from '../plan/plan-types.ts';

interface StepBase {
  /** Position in `Program.steps`. */
  index: number;
  node: PlanNode;
  /** Steps whose outputs this step reads (each once). */
  deps: number[];
}

export interface InputStep extends StepBase {
  kind: 'input';
  input: string;
  optional: boolean;
  out: number;
}

export interface OpStep extends StepBase {
  kind: 'op';
  op: string;
  params: Record<string, unknown>;
  args: number[];
  out: number;
}

export interface ModelStep extends StepBase {
  kind: 'model';
  model: string;
  /** ONNX input name → slot. */
  feeds: { name: string; slot: number }[];
  /** ONNX outputs the plan uses, in `node.outputs` order, with their slots and declared types. */
  fetches: string[];
  outs: number[];
  outTypes: PlanType[];
}

export type Step = InputStep | OpStep | ModelStep;

export interface ComparisonSlots {
  name: string;
  control: number;
  treatment: number;
  label: number | null;
  slice: number | null;
}

/**
 * Invariants: `steps` is topological (every dep index is smaller than the step's index); every slot
 * read by a step, output or comparison is written by exactly one step.
 */
export interface Program {
  steps: Step[];
  slotCount: number;
  outputs: { name: string; slot: number }[];
  comparisons: ComparisonSlots[];
  /** Per slot: how many readers it has (step arguments, outputs, comparison roles). */
  readers: Int32Array;
  /** Per slot: the step that writes it. */
  producer: Int32Array;
}

export interface ProgramTargets {
  /** Compute `plan.outputs` (default true). */
  outputs?: boolean;
  /** Compute the parents of `plan.comparisons` (default true). */
  comparisons?: boolean;
}

const refKey = (r: PlanRef): string => `${r.node}\u0000${r.output}`;

/** Build the program for a plan that passed `validatePlan` (references resolve, order is topological). */
export function buildProgram(plan: Plan, targets: ProgramTargets = {}): Program {
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const wanted: PlanRef[] = [];
  if (targets.outputs ?? true) for (const o of plan.outputs) wanted.push(o.ref);
  if (targets.comparisons ?? true) {
    for (const c of plan.comparisons) {
      wanted.push(c.control, c.treatment);
      if (c.label) wanted.push(c.label);
      if (c.slice_by) wanted.push(c.slice_by);
    }
  }

  // Needed nodes: walk back from the wanted refs.
  const needed = new Set<string>();
  const stack = wanted.map((r) => r.node);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    needed.add(id);
    const node = byId.get(id)!;
    if (node.kind === 'op') for (const a of node.args) stack.push(a.node);
    if (node.kind === 'model') for (const ref of Object.values(node.feeds)) stack.push(ref.node);
  }

  const slotOf = new Map<string, number>();
  const stepOfNode = new Map<string, number>();
  const steps: Step[] = [];
  const producers: number[] = [];
  const alloc = (node: string, output: string, step: number): number => {
    const slot = producers.length;
    producers.push(step);
    slotOf.set(refKey({ node, output }), slot);
    return slot;
  };
  const depsOf = (refs: PlanRef[]): number[] => [...new Set(refs.map((r) => stepOfNode.get(r.node)!))];

  for (const node of plan.nodes) {
    if (!needed.has(node.id)) continue;
    const index = steps.length;
    stepOfNode.set(node.id, index);
    if (node.kind === 'input') {
      const decl = plan.inputs.find((i) => i.name === node.input)!;
      steps.push({
        kind: 'input',
        index,
        node,
        deps: [],
        input: node.input,
        optional: decl.optional,
        out: alloc(node.id, node.outputs[0].name, index),
      });
    } else if (node.kind === 'op') {
      const args = node.args.map((a) => slotOf.get(refKey(a))!);
      steps.push({
        kind: 'op',
        index,
        node,
        deps: depsOf(node.args),
        op: node.op,
        params: node.params,
        args,
        out: alloc(node.id, node.outputs[0].name, index),
      });
    } else {
      const feeds = Object.entries(node.feeds).map(([name, ref]) => ({ name, slot: slotOf.get(refKey(ref))! }));
      steps.push({
        kind: 'model',
        index,
        node,
        deps: depsOf(Object.values(node.feeds)),
        model: node.model,
        feeds,
        fetches: node.outputs.map((o) => o.name),
        outs: node.outputs.map((o) => alloc(node.id, o.name, index)),
        outTypes: node.outputs.map((o) => o.type),
      });
    }
  }

  const slot = (r: PlanRef): number => slotOf.get(refKey(r))!;
  const outputs = (targets.outputs ?? true) ? plan.outputs.map((o) => ({ name: o.name, slot: slot(o.ref) })) : [];
  const comparisons =
    (targets.comparisons ?? true)
      ? plan.comparisons.map((c) => ({
          name: c.name,
          control: slot(c.control),
          treatment: slot(c.treatment),
          label: c.label ? slot(c.label) : null,
          slice: c.slice_by ? slot(c.slice_by) : null,
        }))
      : [];

  const readers = new Int32Array(producers.length);
  for (const s of steps) {
    if (s.kind === 'op') for (const a of s.args) readers[a]++;
    if (s.kind === 'model') for (const f of s.feeds) readers[f.slot]++;
  }
  for (const o of outputs) readers[o.slot]++;
  for (const c of comparisons) {
    readers[c.control]++;
    readers[c.treatment]++;
    if (c.label !== null) readers[c.label]++;
    if (c.slice !== null) readers[c.slice]++;
  }
  return { steps, slotCount: producers.length, outputs, comparisons, readers, producer: Int32Array.from(producers) };
}

/**
 * Whether two model steps can run at the same time: neither reads (transitively) the other's
 * outputs. This is what makes worker threads pay off (control and treatment on the same input).
 */
export function hasConcurrentModels(program: Program): boolean {
  const ancestors: Set<number>[] = [];
  for (const s of program.steps) {
    const set = new Set<number>();
    for (const d of s.deps) {
      set.add(d);
      for (const a of ancestors[d]) set.add(a);
    }
    ancestors.push(set);
  }
  const models = program.steps.filter((s) => s.kind === 'model');
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const a = models[i].index;
      const b = models[j].index;
      if (!ancestors[b].has(a) && !ancestors[a].has(b)) return true;
    }
  }
  return false;
}
