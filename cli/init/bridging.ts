/**
 * Bridging for `m4c init --candidate`: how one set of graph inputs feeds two models whose signatures
 * differ, and how their outputs become two signals a comparison can set side by side.
 *
 * What is bridged, with stdlib ops:
 * - an input the candidate names differently (`float_input` vs `x`) is fed the control's input of the
 *   same row shape (unless the data sample has a field of its own name);
 * - a different dtype (`f64` vs `f32`) goes through `cast`; `[N]` vs `[N, 1]` through `expand_dims` /
 *   `squeeze`;
 * - outputs with different names or layouts are each reduced to the task's signal (see
 *   task-inference.ts), and f32 against f64 is widened to f64 (`cast`, exact).
 * What is not (different feature widths, different class counts, a classifier against a regressor) is
 * fed or compared as is and flagged, so the compiler's own diagnostic marks the spot for a human.
 */
import type { OnnxSignature, OnnxValueInfo } from '../../compiler/onnx-signature.ts';
import { formatType, type DType, type Dim, type TensorType } from '../../plan/tensor-type.ts';
import { graphInputType, rowDimOf, type RowDim } from './model-analysis.ts';
import { NameAllocator, toIdentifier, writeName, writeString } from './m4-names.ts';
import type { SignalChoice, SignalStep } from './task-inference.ts';

/** A graph input (`input NAME: TYPE`), named after the model input it was made for. */
export interface GraphInput {
  name: string;
  type: TensorType;
  rowDim: RowDim;
  /** Which model's input it was made for, and that input's ONNX name. */
  origin: 'control' | 'candidate';
  onnxName: string;
}

/** A `node` that adapts a graph input to a model input. */
export interface BridgeNode {
  name: string;
  expr: string;
  comment: string;
}

/** How a model's inputs are bound: ONNX input name → expression text. */
export type Feeds = [onnxName: string, expr: string][];

export interface InputPairing {
  inputs: GraphInput[];
  controlFeeds: Feeds;
  candidateFeeds: Feeds;
  bridges: BridgeNode[];
  /** Candidate inputs fed without a bridge that fits (the compiler will reject the call). */
  unbridged: string[];
  /** One sentence per candidate input fed from a differently named graph input. */
  notes: string[];
}

/** One op that adapts a value to a model input. */
type InputStep = { op: 'cast'; to: DType } | { op: 'expand_dims' } | { op: 'squeeze' } | { op: 'slice'; axis: number; end: number; of: number };

function dimsFit(a: Dim, b: Dim): boolean {
  return typeof a !== 'number' || typeof b !== 'number' || a === b;
}

/** The ops that turn a value of graph type `from` into model input type `to`, or null when none do. */
export function inputSteps(from: TensorType, to: TensorType): InputStep[] | null {
  const a = from.dims.slice(1);
  const b = to.dims.slice(1);
  if (from.dims.length === 0 || to.dims.length === 0) return null;
  const steps: InputStep[] = [];
  if (a.length === b.length) {
    const differ = a.map((d, i) => (dimsFit(d, b[i]!) ? -1 : i)).filter((i) => i >= 0);
    // One axis longer than the model takes (25 frames for a model of 24): keep the leading positions.
    // Not the last axis: features are not ordered in time, and their first k are rarely the k a model wants.
    if (differ.length === 1 && differ[0] < a.length - 1 && (a[differ[0]] as number) > (b[differ[0]] as number)) {
      steps.push({ op: 'slice', axis: differ[0] + 1, end: b[differ[0]] as number, of: a[differ[0]] as number });
    } else if (differ.length > 0) return null;
  } else if (a.length === 0 && b.length === 1 && b[0] === 1) {
    steps.push({ op: 'expand_dims' });
  } else if (a.length === 1 && a[0] === 1 && b.length === 0) {
    steps.push({ op: 'squeeze' });
  } else {
    return null;
  }
  if (from.dtype !== to.dtype) {
    if (from.dtype === 'str' || to.dtype === 'str') return null;
    steps.push({ op: 'cast', to: to.dtype });
  }
  return steps;
}

/** The steps applied to `expr`, a value of rank `rank` (a slice of its last axis needs no `axis:`). */
function applyInputSteps(expr: string, steps: InputStep[], rank: number): string {
  let e = expr;
  for (const s of steps) {
    if (s.op === 'cast') e = `cast(${e}, to: ${writeString(s.to)})`;
    else if (s.op === 'slice') e = s.axis === rank - 1 ? `slice(${e}, end: ${s.end})` : `slice(${e}, end: ${s.end}, axis: ${s.axis})`;
    else e = `${s.op}(${e})`;
  }
  return e;
}

/**
 * Pair the candidate's inputs with the control's. The graph's inputs are the control's inputs (named as
 * the control names them) plus any candidate input no control input can feed. `hasOwnField(name, type)`
 * says whether the data sample has a field of that name fitting the type (a candidate input with its own
 * field gets its own graph input rather than a guess). `hasFittingField(type)` says whether the sample has
 * a field no control input reads that fits the type: a candidate input named like a control input but
 * shaped differently then gets its own graph input too (the field is found by shape, field-mapping.ts).
 */
export function pairInputs(
  control: OnnxSignature,
  candidate: OnnxSignature | null,
  candidateModel: string,
  names: NameAllocator,
  hasOwnField: (name: string, type: TensorType) => boolean = () => false,
  hasFittingField: (type: TensorType) => boolean = () => false,
): InputPairing {
  const inputs: GraphInput[] = control.inputs.map((v) => ({
    name: v.name,
    type: graphInputType(v.type),
    rowDim: rowDimOf(v.type),
    origin: 'control',
    onnxName: v.name,
  }));
  for (const g of inputs) names.reserve(g.name);
  const controlFeeds: Feeds = inputs.map((g) => [g.onnxName, writeName(g.name)]);
  const pairing: InputPairing = { inputs, controlFeeds, candidateFeeds: [], bridges: [], unbridged: [], notes: [] };
  if (!candidate) return pairing;

  const controlNames = new Set(control.inputs.map((v) => v.name));
  const sameNamed = new Set(candidate.inputs.filter((v) => controlNames.has(v.name)).map((v) => v.name));
  const claimed = new Set<string>();
  const feedFrom = (d: OnnxValueInfo, g: GraphInput, steps: InputStep[]) => {
    claimed.add(g.name);
    if (steps.length === 0) {
      pairing.candidateFeeds.push([d.name, writeName(g.name)]);
      return;
    }
    const suffix = steps
      .map((s) => (s.op === 'cast' ? s.to : s.op === 'expand_dims' ? 'column' : s.op === 'slice' ? `first${s.end}` : 'values'))
      .join('_');
    const name = names.allocate(`${toIdentifier(g.name, 'input')}_${suffix}`);
    const cut = steps.find((s): s is Extract<InputStep, { op: 'slice' }> => s.op === 'slice');
    pairing.bridges.push({
      name,
      expr: applyInputSteps(writeName(g.name), steps, g.type.dims.length),
      comment: `${candidateModel} takes \`${d.name}\` as ${formatType(d.type)}${cut ? `: the first ${cut.end} of ${cut.of} along axis ${cut.axis} (check those are the ones it expects)` : ''}`,
    });
    pairing.candidateFeeds.push([d.name, name]);
  };

  for (const d of candidate.inputs) {
    const want = graphInputType(d.type);
    if (sameNamed.has(d.name)) {
      const g = inputs.find((x) => x.origin === 'control' && x.onnxName === d.name)!;
      const steps = inputSteps(g.type, want);
      // Named alike, shaped differently (24 vs 25 frames), and the data holds a field of the candidate's
      // own shape: that field is what it was made for, better than a cut of the control's (or a TODO).
      if ((steps === null || steps.some((s) => s.op === 'slice')) && hasFittingField(want)) {
        const name = names.allocate(`${toIdentifier(d.name, 'input')}_${candidateModel}`);
        inputs.push({ name, type: want, rowDim: rowDimOf(d.type), origin: 'candidate', onnxName: d.name });
        claimed.add(name);
        pairing.candidateFeeds.push([d.name, writeName(name)]);
        pairing.notes.push(
          `Both models take \`${d.name}\`, as ${formatType(g.type)} and ${formatType(want)}: ${candidateModel} reads its own input \`${name}\`, from a field of that shape.`,
        );
        continue;
      }
      if (steps) feedFrom(d, g, steps);
      else {
        // Same name, incompatible shape: feeding it as is lets the compiler say exactly what differs.
        pairing.candidateFeeds.push([d.name, writeName(g.name)]);
        pairing.unbridged.push(`\`${d.name}\`: ${formatType(g.type)} for the control, ${formatType(want)} for the candidate`);
      }
      continue;
    }
    if (!hasOwnField(d.name, want)) {
      const pool = inputs.filter((g) => g.origin === 'control' && !claimed.has(g.name) && !sameNamed.has(g.onnxName));
      const fits = pool.map((g) => ({ g, steps: inputSteps(g.type, want) })).filter((x) => x.steps !== null);
      const best = fits.find((x) => x.steps!.length === 0) ?? fits[0];
      if (best) {
        feedFrom(d, best.g, best.steps!);
        pairing.notes.push(`${candidateModel}'s input \`${d.name}\` is fed \`${best.g.name}\`: the models name the same data differently.`);
        continue;
      }
    }
    const name = names.has(d.name) ? names.allocate(`${toIdentifier(d.name, 'input')}_${candidateModel}`) : (names.reserve(d.name), d.name);
    const g: GraphInput = { name, type: want, rowDim: rowDimOf(d.type), origin: 'candidate', onnxName: d.name };
    inputs.push(g);
    claimed.add(name);
    pairing.candidateFeeds.push([d.name, writeName(name)]);
  }
  return pairing;
}

/** A model call with its feeds, selecting one output by name: `v1(x: scaled).probabilities`. */
export function modelCall(model: string, feeds: Feeds, output: string): string {
  return `${model}(${feeds.map(([n, e]) => `${writeName(n)}: ${e}`).join(', ')}).${writeName(output)}`;
}

/** Apply a signal's steps to an expression. */
export function applySignalSteps(expr: string, steps: readonly SignalStep[]): string {
  let e = expr;
  for (const s of steps) {
    switch (s.op) {
      case 'column':
        e = `column(${e}, index: ${s.index})`;
        break;
      case 'cast':
        e = `cast(${e}, to: ${writeString(s.to)})`;
        break;
      default:
        e = `${s.op}(${e})`;
    }
  }
  return e;
}

/** The two signals of a comparison, made comparable where possible. */
export interface SignalPair {
  task: SignalChoice['task'];
  /** Multiclass: the number of classes, when known. */
  classes: number | null;
  controlSteps: SignalStep[];
  candidateSteps: SignalStep[];
  /** Why the two signals cannot be compared as they are, or null when they can. */
  unbridged: string | null;
  /** Sentences about what was adapted. */
  notes: string[];
}

/**
 * Align the candidate's signal with the control's. The comparison's task is the control's (production
 * defines what is measured); a candidate whose one-value output was read as the other one-value task
 * (binary vs regression) follows it, being the same shape.
 */
export function pairSignals(control: SignalChoice, candidate: SignalChoice, candidateModel: string): SignalPair {
  const controlSteps = [...control.steps];
  const candidateSteps = [...candidate.steps];
  const notes: string[] = [];
  let unbridged: string | null = null;
  const oneValue = (t: string) => t === 'binary' || t === 'regression';
  if (control.task !== candidate.task) {
    if (oneValue(control.task) && oneValue(candidate.task)) {
      notes.push(`${candidateModel}'s output \`${candidate.output.name}\` is read as a ${control.task} signal too, to match the control.`);
    } else {
      unbridged = `the control's signal is ${control.task}, the candidate's is ${candidate.task}`;
    }
  } else if (control.task === 'multiclass' && control.classes !== null && candidate.classes !== null && control.classes !== candidate.classes) {
    unbridged = `the control has ${control.classes} classes, the candidate ${candidate.classes}`;
  }
  if (control.dtype !== candidate.dtype && unbridged === null) {
    // f32 against f64: widen the f32 side, which is exact.
    widen(control.dtype === 'f32' ? controlSteps : candidateSteps);
    notes.push(`One model's output is f32 and the other's f64: the f32 one is widened to f64 (exact) so both signals have one type.`);
  }
  return { task: control.task, classes: control.classes ?? candidate.classes, controlSteps, candidateSteps, unbridged, notes };
}

/** Append a cast to f64, or retarget the last step when it already is a cast. */
function widen(steps: SignalStep[]): void {
  const last = steps[steps.length - 1];
  if (last?.op === 'cast') steps[steps.length - 1] = { op: 'cast', to: 'f64' };
  else steps.push({ op: 'cast', to: 'f64' });
}
