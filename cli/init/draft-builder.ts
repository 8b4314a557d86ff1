/**
 * Assembles the `.m4` file `m4c init` writes, as a {@link Draft}: the header, the inputs (with their data
 * fields, the label and a slice), the replay, the models, the bridges, the two signals, the comparison
 * with its metrics, gates and sink, and the served output.
 */
import { dirname, relative, sep } from 'node:path';
import { defaultMetrics, type TaskKind } from '../../stdlib/metrics/catalogue.ts';
import { formatType, type DType } from '../../plan/tensor-type.ts';
import { applySignalSteps, modelCall, pairInputs, pairSignals, type GraphInput, type InputPairing } from './bridging.ts';
import type { DataSample } from './data-sample.ts';
import { fieldFits, fieldNamed, findLabel, findLabelByClasses, findSlice, mapInputs, type InputMapping, type LabelField } from './field-mapping.ts';
import { item, type Draft, type DraftGate, type DraftGroup, type DraftItem } from './graph-draft.ts';
import { NameAllocator, isPlainName, toIdentifier, writeName, writeString } from './m4-names.ts';
import { IDENTIFIER_PATTERN } from '../../grammar/language.ts';
import { graphInputType, type AnalyzedModel } from './model-analysis.ts';
import { draftModalities, modalityInputNames } from './modality.ts';
import { inferSignal, type LabelHint, type SignalChoice } from './task-inference.ts';

export interface DraftRequest {
  control: AnalyzedModel;
  candidate: AnalyzedModel | null;
  sample: DataSample | null;
  /** `--label FIELD`. */
  labelFlag: string | undefined;
  /** Absolute path the file is written to (for stdout: where it would be; paths are relative to its directory). */
  outFile: string;
  /** The file as the commands in the header name it (`ab.m4`). */
  shownName: string;
}

/** The draft, or a one-line problem with the user's input (exit 2). */
export type DraftResult = { ok: true; draft: Draft } | { ok: false; message: string };

/** Gates every comparison gets: non-inferiority on the task's main metrics, and agreement. */
export function defaultGates(task: TaskKind, hasLabel: boolean): DraftGate[] {
  const ni = 'non-inferiority: the whole 95% interval must hold';
  const gates: DraftGate[] = [];
  if (hasLabel) {
    if (task === 'binary') gates.push({ text: 'auroc.delta >= -0.01 at 95%', comment: ni }, { text: 'auprc.delta >= -0.01 at 95%', comment: null });
    if (task === 'multiclass')
      gates.push({ text: 'accuracy.delta >= -0.01 at 95%', comment: ni }, { text: 'f1_macro.delta >= -0.01 at 95%', comment: null });
    if (task === 'regression')
      gates.push(
        { text: 'mae.ratio <= 1.05 at 95%', comment: 'non-inferiority: at most 5% worse over the whole 95% interval' },
        { text: 'rmse.ratio <= 1.05 at 95%', comment: null },
      );
  }
  if (task === 'regression') gates.push({ text: 'pearson >= 0.9', comment: "label-free: the two models' values move together" });
  else gates.push({ text: 'agreement >= 0.9', comment: 'label-free: both models predict the same class on 90% of rows' });
  return gates;
}

/** The metric a gate text names (`auroc.delta >= ...` → `auroc`). */
function gateMetric(text: string): string {
  return new RegExp(`^${IDENTIFIER_PATTERN.source}`).exec(text)![0];
}

/** A path relative to the output file's directory, with `/` separators. */
function relativeTo(outFile: string, target: string): string {
  const r = relative(dirname(outFile), target).split(sep).join('/');
  return r === '' ? '.' : r;
}

/** Names of the declarations init writes besides inputs and models. */
const OWN_NAMES = ['control', 'treatment', 'score', 'probabilities', 'prediction', 'label'];

/** Two different identifiers for the models, from their file names, clear of every input name. */
function modelNames(control: AnalyzedModel, candidate: AnalyzedModel | null): [string, string] {
  const inputs = new Set([...control.signature.inputs, ...(candidate?.signature.inputs ?? [])].map((v) => v.name));
  // The names init gives its own declarations are kept for them, so `score.onnx` becomes `score_model`.
  for (const own of OWN_NAMES) inputs.add(own);
  const free = (id: string, avoid: string) => (inputs.has(id) || id === avoid ? `${id}_model` : id);
  let c = toIdentifier(control.stem, 'control_model');
  let t = candidate ? toIdentifier(candidate.stem, 'candidate') : '';
  if (c === t) {
    c = `${c}_control`;
    t = `${t}_candidate`;
  }
  c = free(c, '');
  return [c, candidate ? free(t, c) : ''];
}

/** Build the draft for the request. Never throws on user input. */
export function buildDraft(req: DraftRequest): DraftResult {
  const { control, candidate, sample } = req;
  const names = new NameAllocator();
  const [ctrlName, candName] = modelNames(control, candidate);
  names.reserve(ctrlName);
  if (candidate) names.reserve(candName);

  // ── data: the label first (so it is never taken for a feature), then the control's inputs, which the
  // candidate's are paired with; a candidate input gets a graph input of its own only when a field fits
  // it by name that no control input reads (`X` and `x` read one field, shared).
  let label: LabelField | null = null;
  let controlFields = new Set<string>();
  if (sample) {
    // Text and image inputs are fed from raw fields through drafted ops (modality.ts), not from the data.
    const raw = modalityInputNames(control.signature);
    const needs = control.signature.inputs.filter((v) => !raw.has(v.name)).map((v) => ({ name: v.name, type: graphInputType(v.type) }));
    const byName = new Set(needs.map((n) => fieldNamed(n, sample)?.name).filter((f): f is string => f !== undefined));
    const found = findLabel(sample, req.labelFlag, byName);
    if (found !== null && 'problem' in found) return { ok: false, message: found.problem };
    label = found;
    const mapped = mapInputs(needs, sample, new Set(label ? [label.field.name] : []));
    if ('problem' in mapped) return { ok: false, message: mapped.problem };
    controlFields = new Set([...mapped.values()].flatMap((m) => (m.source.kind === 'field' ? [m.source.field] : m.source.fields)));
    if (!label) {
      // Not named like a label: a field whose values are exactly the model's classes is one.
      const signal = inferSignal(control.signature);
      const classes = 'problem' in signal ? null : signal.task === 'binary' ? 2 : signal.task === 'multiclass' ? signal.classes : null;
      if (classes !== null) label = findLabelByClasses(sample, classes, controlFields);
    }
    if (label) controlFields.add(label.field.name);
  }
  const hasOwnField = (name: string, type: GraphInput['type']) => {
    const f = sample ? fieldNamed({ name, type }, sample) : undefined;
    return f !== undefined && !controlFields.has(f.name);
  };
  const hasFittingField = (type: GraphInput['type']) =>
    sample !== null && sample.fields.some((f) => !controlFields.has(f.name) && fieldFits(f, type));
  const pairing = pairInputs(control.signature, candidate?.signature ?? null, candName, names, hasOwnField, hasFittingField);
  const modal = draftModalities(control.signature, pairing.inputs, names);
  if (modal) pairing.inputs = pairing.inputs.filter((g) => !modal.replaced.has(g.name));

  let mapping = new Map<string, InputMapping>();
  if (sample) {
    const mapped = mapInputs(
      pairing.inputs.map((g) => ({ name: g.name, type: g.type })),
      sample,
      new Set(label ? [label.field.name] : []),
    );
    if ('problem' in mapped) return { ok: false, message: mapped.problem };
    mapping = mapped;
  }
  const hint: LabelHint | undefined = label ? { labels: label.values } : undefined;

  const ctrlChoice = inferSignal(control.signature, hint);
  const candChoice = candidate ? inferSignal(candidate.signature, hint) : null;
  if (candidate) {
    if ('problem' in ctrlChoice) return { ok: false, message: `${control.given}: ${ctrlChoice.problem}` };
    if (candChoice && 'problem' in candChoice) return { ok: false, message: `${candidate.given}: ${candChoice.problem}` };
  }

  // No `--batch-size` in the suggested command: `m4c run` already batches by a fixed row dim.
  const draft: Draft = { header: header(req), groups: [] };
  const inputsGroup: DraftGroup = { leading: [], items: pairing.inputs.map((g) => inputItem(g, mapping.get(g.name), candName)) };
  draft.groups.push(inputsGroup);
  if (modal) {
    for (const r of modal.raws) {
      const f = sample?.fields.find((x) => x.name === r.name);
      inputsGroup.items.push(
        item(
          { kind: 'input', name: r.name, type: `${r.dtype}[batch]`, optional: false, from: null },
          f ? r.comment : `${r.comment}; TODO(m4 init): the data field that holds it (from "FIELD")`,
        ),
      );
    }
    draft.groups.push({
      leading: ['Preprocessing: the model takes tensors; the data holds text and images.'],
      items: modal.nodes.map((n) => {
        const it = item({ kind: 'node', name: n.name, expr: n.expr }, n.comment, n.unbridged);
        if (n.todo) it.leading.push(n.todo);
        return it;
      }),
    });
  }

  if (!candidate || 'problem' in ctrlChoice) {
    // One model: a serving graph with its signal as the output.
    draft.groups.push(...sampleGroups(req));
    draft.groups.push({ leading: [], items: [item({ kind: 'model', name: ctrlName, path: writeString(relativeTo(req.outFile, control.path)) })] });
    draft.groups.push(singleOutput(req, ctrlName, pairing, ctrlChoice, names));
    return { ok: true, draft };
  }

  const cc = ctrlChoice as SignalChoice;
  const tc = candChoice as SignalChoice;
  const signals = pairSignals(cc, tc, candName);
  const task = signals.task;

  let labelName: string | null = null;
  if (label || (req.labelFlag !== undefined && !sample)) {
    const field = label ? label.field.name : req.labelFlag!;
    labelName = names.allocate(isPlainName(field) ? field : 'label');
    const dtype: DType = task === 'regression' || label?.field.kind === 'float' ? 'f32' : label?.field.kind === 'bool' ? 'bool' : 'i64';
    const why =
      label?.how === 'name'
        ? 'labels (found by name)'
        : label?.how === 'classes'
          ? `labels (found by their values: ${label.field.distinct?.length ?? 2} classes, as the model has; check it)`
          : 'labels (--label)';
    inputsGroup.items.push(
      item(
        { kind: 'input', name: writeName(labelName), type: `${dtype}[batch]`, optional: true, from: field === labelName ? null : writeString(field) },
        `${why}: present in replays, absent when serving`,
      ),
    );
  }
  let sliceName: string | null = null;
  if (sample) {
    const taken = new Set<string>(label ? [label.field.name] : []);
    for (const m of mapping.values()) for (const f of m.source.kind === 'field' ? [m.source.field] : m.source.fields) taken.add(f);
    const slice = findSlice(sample, taken);
    if (slice) {
      sliceName = names.allocate(isPlainName(slice.field.name) ? slice.field.name : 'segment');
      inputsGroup.items.push(
        item(
          {
            kind: 'input',
            name: sliceName,
            type: 'str[batch]',
            optional: false,
            from: slice.field.name === sliceName ? null : writeString(slice.field.name),
          },
          `${slice.count} values in the sample: every metric is also computed per value`,
        ),
      );
    }
  }

  draft.groups.push(...sampleGroups(req));
  draft.groups.push({
    leading: [],
    items: [
      item({ kind: 'model', name: ctrlName, path: writeString(relativeTo(req.outFile, control.path)) }, 'control: the model in production'),
      item({ kind: 'model', name: candName, path: writeString(relativeTo(req.outFile, candidate.path)) }, 'treatment: the candidate'),
    ],
  });
  if (pairing.bridges.length > 0) {
    draft.groups.push({
      leading: ['Bridges: the candidate reads the same data, adapted to its own signature.'],
      items: pairing.bridges.map((b) => item({ kind: 'node', name: b.name, expr: b.expr }, b.comment)),
    });
  }

  const controlNode = names.allocate('control');
  const treatmentNode = names.allocate('treatment');
  const inputsUnbridged = pairing.unbridged.length > 0;
  const treatmentItem = item(
    {
      kind: 'node',
      name: treatmentNode,
      expr: applySignalSteps(modelCall(candName, pairing.candidateFeeds, tc.output.name), signals.candidateSteps),
    },
    null,
    inputsUnbridged,
  );
  if (inputsUnbridged) treatmentItem.leading.push(`TODO(m4 init): no stdlib op bridges ${pairing.unbridged.join('; ')}.`);
  draft.groups.push({
    leading: [...taskComment(cc, tc, ctrlName, candName), ...pairing.notes, ...signals.notes],
    items: [
      item({
        kind: 'node',
        name: controlNode,
        expr: applySignalSteps(modelCall(ctrlName, pairing.controlFeeds, cc.output.name), signals.controlSteps),
      }),
      treatmentItem,
    ],
  });

  const hasLabel = labelName !== null;
  const gates = defaultGates(task, hasLabel);
  const metrics = defaultMetrics(task, hasLabel);
  for (const g of gates) if (!metrics.includes(gateMetric(g.text))) metrics.push(gateMetric(g.text));
  const fields: [string, string][] = [
    ['control', controlNode],
    ['treatment', treatmentNode],
  ];
  if (labelName) fields.push(['label', writeName(labelName)]);
  fields.push(['task', taskText(task)], ['metrics', `[${metrics.join(', ')}]`]);
  if (sliceName) fields.push(['slice_by', sliceName]);
  const outStem = req.shownName.replace(/^.*[\\/]/, '').replace(/\.m4$/i, '');
  const compareName = names.allocate(`${candName}_vs_${ctrlName}`);
  const compareItem = item(
    { kind: 'compare', name: compareName, fields, gates, sinks: [`sqlite(${writeString(`results/${outStem || compareName}.db`)})`] },
    null,
    inputsUnbridged || signals.unbridged !== null,
  );
  if (signals.unbridged) compareItem.leading.push(`TODO(m4 init): the two signals cannot be compared as they are: ${signals.unbridged}.`);
  if (!hasLabel) {
    // Never label-free without saying why.
    compareItem.leading.push(
      sample
        ? `No label: no field of ${sample.given} is named like one (label, target, y, ...) or holds exactly the model's class values; the gates are label-free. Name it with --label FIELD.`
        : 'No label: no data sample was given (--data); the gates are label-free. Give --data, or --label FIELD.',
    );
  }
  draft.groups.push({ leading: [], items: [compareItem] });

  const outName = names.allocate(task === 'binary' ? 'score' : task === 'multiclass' ? 'probabilities' : 'prediction');
  draft.groups.push({
    leading: [],
    items: [
      item({ kind: 'output', name: outName, expr: controlNode }, "served: the control's answer (run the candidate in shadow until the gates pass)"),
    ],
  });
  return { ok: true, draft };
}

function taskText(task: TaskKind): string {
  return task === 'binary' ? 'binary(threshold: 0.5)' : task;
}

/** The comment above the signals: how the task was inferred, once when both models agree. */
function taskComment(c: SignalChoice, t: SignalChoice, ctrlName: string, candName: string): string[] {
  const same = c.task === t.task && c.output.name === t.output.name && JSON.stringify(c.steps) === JSON.stringify(t.steps);
  if (same) return [`Task: ${c.reason}`];
  return [`Task (${ctrlName}): ${c.reason}`, `Task (${candName}): ${t.reason}`];
}

function inputItem(g: GraphInput, m: InputMapping | undefined, candName: string): DraftItem {
  const notes: string[] = [];
  let from: string | null = null;
  if (m) {
    const src = m.source;
    if (src.kind === 'field' && src.field !== g.name) from = writeString(src.field);
    if (src.kind === 'columns') from = `[${src.fields.map(writeString).join(', ')}]`;
    if (m.how === 'loose-name') notes.push('the same name up to case and punctuation');
    if (m.how === 'length' && src.kind === 'field') notes.push(`matched by length: the sample's list of ${g.type.dims.slice(1).join('×')} values`);
    if (m.how === 'columns' && src.kind === 'columns')
      notes.push(src.fields.length === 1 ? 'one number per row, as a column' : `${src.fields.length} numeric fields gathered in order`);
  }
  if (g.rowDim.kind === 'fixed')
    notes.push(`a fixed batch dim: the model takes exactly ${g.rowDim.size} row${g.rowDim.size === 1 ? '' : 's'} per call (m4c run batches by it)`);
  if (g.origin === 'candidate') notes.push(`only ${candName} reads this input`);
  return item(
    { kind: 'input', name: writeName(g.name), type: formatType(g.type), optional: false, from },
    notes.length > 0 ? notes.join('; ') : null,
  );
}

function sampleGroups(req: DraftRequest): DraftGroup[] {
  if (!req.sample) return [];
  return [
    {
      leading: [],
      items: [
        item({ kind: 'replay', path: writeString(relativeTo(req.outFile, req.sample.path)) }, 'the recorded traffic `m4c run` reads by default'),
      ],
    },
  ];
}

/** One model: its signal is the graph's output (or, when no output is a signal, its first output as is). */
function singleOutput(
  req: DraftRequest,
  model: string,
  pairing: InputPairing,
  choice: SignalChoice | { problem: string },
  names: NameAllocator,
): DraftGroup {
  if ('problem' in choice) {
    const first = req.control.signature.outputs[0]!;
    const name = names.allocate(toIdentifier(first.name, 'prediction'));
    return {
      leading: [`No output reads as a score, probabilities or a value: ${choice.problem}. The first output is served as is.`],
      items: [item({ kind: 'output', name, expr: modelCall(model, pairing.controlFeeds, first.name) })],
    };
  }
  const name = names.allocate(choice.task === 'binary' ? 'score' : choice.task === 'multiclass' ? 'probabilities' : 'prediction');
  return {
    leading: [`Task: ${choice.reason}`],
    items: [item({ kind: 'output', name, expr: applySignalSteps(modelCall(model, pairing.controlFeeds, choice.output.name), choice.steps) })],
  };
}

/** What the file is, and the commands that check and run it (from the file's directory). */
function header(req: DraftRequest): string[] {
  const file = req.shownName;
  const data = req.sample ? relativeTo(req.outFile, req.sample.path) : null;
  const run = `m4c run ${file}${data ? '' : ' --data ROWS.jsonl'}`;
  if (!req.candidate) {
    return [
      `${req.control.stem} as a serving graph, written by \`m4c init\`.`,
      '',
      `  m4c check ${file}`,
      `  ${run} --out predictions.jsonl`,
      '',
      'To compare a candidate model against it:',
      '',
      `  m4c init ${relativeTo(req.outFile, req.control.path)} --candidate NEW.onnx --data ROWS.jsonl`,
    ];
  }
  return [
    `Is ${req.candidate.stem} safe to roll out in place of ${req.control.stem}? Written by \`m4c init\`; review the gates.`,
    '',
    `  m4c check ${file}`,
    `  ${run}`,
    '',
    `\`run\` replays ${data ?? 'the rows'} through both models and exits 1 when a gate fails.`,
  ];
}
