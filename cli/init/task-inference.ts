/**
 * Task inference for `m4c init`: which model output a comparison should read, whether it is a binary,
 * multiclass or regression signal, and the stdlib ops that turn it into the signal a comparison takes
 * (one float score per row for binary and regression, a probability row for multiclass).
 *
 * The rules, from the output signature alone (names are hints, shapes decide):
 * - outputs named like hidden features (`embedding`, `hidden`) are never the signal when another fits;
 *   probabilities beat scores beat logits beat unnamed values; integer outputs (a predicted label) are
 *   used only when no float output exists (sklearn's ZipMap models);
 * - `[N, 2]` → binary, column 1 is the positive class; `[N, k ≥ 3]` (or an unknown k) → multiclass;
 * - `[N]` or `[N, 1]` → binary when named like a score or probability, regression when named like a
 *   value (`variable`, `value`, `prediction`), otherwise by the sample's labels (0/1 → binary) and
 *   regression when there are none;
 * - outputs named like logits go through `softmax` (or `sigmoid` for one column) first.
 */
import type { OnnxSignature, OnnxValueInfo } from '../../compiler/onnx-signature.ts';
import type { TaskKind } from '../../stdlib/metrics/catalogue.ts';
import { formatType, isFloatDType, type DType } from '../../plan/tensor-type.ts';

/** One stdlib op applied to a model output, in order. */
export type SignalStep =
  { op: 'column'; index: number } | { op: 'squeeze' } | { op: 'softmax' } | { op: 'sigmoid' } | { op: 'cast'; to: 'f32' | 'f64' };

/**
 * The output a comparison reads and how. Invariant: applying `steps` to `output` gives `dtype[rows]`
 * for binary and regression, `dtype[rows, classes]` for multiclass (`classes` null when unknown).
 */
export interface SignalChoice {
  output: OnnxValueInfo;
  task: TaskKind;
  steps: SignalStep[];
  dtype: DType;
  classes: number | null;
  /** How the task was inferred, one sentence for a comment in the generated file. */
  reason: string;
  /** True when the signal is a hard predicted class, not a score (ranking metrics are then coarse). */
  hardLabels: boolean;
}

/**
 * What the data sample says about labels, to settle outputs whose shape and name leave the task open:
 * only 0 and 1 (or booleans), other integers (class indices), or other numbers (values).
 */
export interface LabelHint {
  labels: 'binary' | 'classes' | 'values';
}

const SKIP = /embed|hidden|feature|encod|latent/i;
const PROB = /prob|softmax|confidence|likelihood/i;
const SCORE = /score|risk|sigmoid/i;
const LOGIT = /logit/i;
const REGRESSION = /variable|value|predict|regress|estimate|^y$|^y_|_y$|target|^pred$/i;

function preference(v: OnnxValueInfo): number {
  if (SKIP.test(v.name)) return 0;
  if (PROB.test(v.name)) return 4;
  if (SCORE.test(v.name)) return 3;
  if (LOGIT.test(v.name)) return 2;
  return 1;
}

/** A float output whose shape a comparison can read after at most a couple of ops. */
function usableFloat(v: OnnxValueInfo): boolean {
  return isFloatDType(v.type.dtype) && (v.type.dims.length === 1 || v.type.dims.length === 2);
}

/** An integer or bool output of one value per row: a predicted class. */
function usableLabel(v: OnnxValueInfo): boolean {
  const d = v.type.dims;
  return (v.type.dtype === 'i64' || v.type.dtype === 'i32' || v.type.dtype === 'bool') && (d.length === 1 || (d.length === 2 && d[1] === 1));
}

const code = (v: OnnxValueInfo) => `\`${v.name}\` ${formatType(v.type)}`;

/**
 * Choose the signal of a model. Returns a problem (one line, no path) when no output can be compared.
 * Deterministic: the same signature and hint always give the same choice.
 */
export function inferSignal(sig: OnnxSignature, hint?: LabelHint): SignalChoice | { problem: string } {
  const floats = sig.outputs.filter(usableFloat);
  if (floats.length > 0) {
    let best = floats[0]!;
    for (const v of floats) if (preference(v) > preference(best)) best = v;
    const labels = sig.outputs.filter((v) => v !== best && usableLabel(v));
    const aside =
      labels.length > 0 ? ` (the ${labels.map(code).join(', ')} output${labels.length > 1 ? 's are' : ' is'} a predicted class, not a score)` : '';
    return classifyFloat(best, aside, hint);
  }
  const label = sig.outputs.find(usableLabel);
  if (label) {
    const unreadable = sig.unsupportedOutputs.length > 0 ? ` (${sig.unsupportedOutputs.map((u) => `\`${u.name}\` ${u.reason}`).join('; ')})` : '';
    const steps: SignalStep[] = label.type.dims.length === 2 ? [{ op: 'squeeze' }, { op: 'cast', to: 'f32' }] : [{ op: 'cast', to: 'f32' }];
    return {
      output: label,
      task: 'binary',
      steps,
      dtype: 'f32',
      classes: null,
      hardLabels: true,
      reason: `binary, from ${code(label)}, the only output m4 can read${unreadable}: the compared score is the predicted class (0 or 1), so ranking metrics are coarse; re-export the model with a probability tensor (skl2onnx: options={'zipmap': False}) to compare scores.`,
    };
  }
  const all = [...sig.outputs.map(code), ...sig.unsupportedOutputs.map((u) => `\`${u.name}\` ${u.reason}`)];
  return { problem: `no output holds a score, probabilities or a value per row (outputs: ${all.join('; ')})` };
}

function classifyFloat(v: OnnxValueInfo, aside: string, hint: LabelHint | undefined): SignalChoice {
  const dims = v.type.dims;
  const dtype = v.type.dtype;
  const logit = LOGIT.test(v.name);
  const base = { output: v, dtype, hardLabels: false };
  if (dims.length === 2 && dims[1] !== 1) {
    const k = dims[1];
    if (k === 2) {
      const steps: SignalStep[] = logit ? [{ op: 'softmax' }, { op: 'column', index: 1 }] : [{ op: 'column', index: 1 }];
      const what = logit ? 'two-column logits (softmax gives the probabilities)' : 'two-column probabilities';
      return {
        ...base,
        task: 'binary',
        steps,
        classes: null,
        reason: `binary, from ${code(v)}: ${what}; column 1 is the positive class's score${aside}.`,
      };
    }
    const classes = typeof k === 'number' ? k : null;
    const what = typeof k === 'number' ? `${k} columns` : 'one column per class (the number of classes is not fixed)';
    const steps: SignalStep[] = logit ? [{ op: 'softmax' }] : [];
    const rows = logit ? 'logits, one row per input (softmax gives the probabilities)' : 'a probability row per input';
    return { ...base, task: 'multiclass', steps, classes, reason: `multiclass, from ${code(v)}: ${what}, ${rows}${aside}.` };
  }
  // One value per row: [N] or [N, 1].
  const steps: SignalStep[] = dims.length === 2 ? [{ op: 'squeeze' }] : [];
  const shape = dims.length === 2 ? 'one score column' : 'one value per row';
  if (logit) {
    return {
      ...base,
      task: 'binary',
      steps: [...steps, { op: 'sigmoid' }],
      classes: null,
      reason: `binary, from ${code(v)}: ${shape} named like a logit (sigmoid gives the probability)${aside}.`,
    };
  }
  if (PROB.test(v.name) || SCORE.test(v.name)) {
    return { ...base, task: 'binary', steps, classes: null, reason: `binary, from ${code(v)}: ${shape} named like a score in [0, 1]${aside}.` };
  }
  if (REGRESSION.test(v.name)) {
    return {
      ...base,
      task: 'regression',
      steps,
      classes: null,
      reason: `regression, from ${code(v)}: ${shape} named like a regression output${aside}.`,
    };
  }
  if (hint?.labels === 'binary') {
    return {
      ...base,
      task: 'binary',
      steps,
      classes: null,
      reason: `binary, from ${code(v)}: ${shape}, and the sample's labels are 0 and 1${aside}.`,
    };
  }
  if (hint?.labels === 'values') {
    return {
      ...base,
      task: 'regression',
      steps,
      classes: null,
      reason: `regression, from ${code(v)}: ${shape}, and the sample's labels are numbers other than 0 and 1${aside}.`,
    };
  }
  if (dims.length === 2) {
    return {
      ...base,
      task: 'binary',
      steps,
      classes: null,
      reason: `binary, from ${code(v)}: ${shape}, read as a score in [0, 1]${aside}; if it is a value, change the task to \`regression\`.`,
    };
  }
  return {
    ...base,
    task: 'regression',
    steps,
    classes: null,
    reason: `regression, from ${code(v)}: ${shape} with no name hint, read as a value${aside}; if it is a score in [0, 1], change the task to \`binary(threshold: 0.5)\`.`,
  };
}
