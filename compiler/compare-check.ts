/**
 * The compare pass: each `compare NAME { ... }` block is checked — its fields, the control and treatment
 * signals (same type, fitting the task), labels, slices, metrics valid for the task, gates naming known
 * metrics and fields, sinks and options — and summarised for lowering.
 */
import type { Arg, CompareDecl, Expr, GateDecl, Span } from '../grammar/ast.ts';
import { METRIC_CATALOGUE, defaultMetrics } from '../stdlib/metrics/catalogue.ts';
import { formatDim, isFloatDType, type Dim } from '../plan/tensor-type.ts';
import type { PlanGate, PlanTask } from '../plan/plan-types.ts';
import { parse } from '../grammar/parse.ts';
import { HELP, NOTE } from './diagnostics/catalogue.ts';
import { didYouMean, suggest } from './did-you-mean.ts';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';
import { literalValue } from './params.ts';
import { declaredSymbols, type Resolution } from './resolve.ts';
import type { Typing, ValueType } from './typecheck.ts';

export type TaskKind = PlanTask['kind'];

/** A checked gate: the plan's gate, with its AST span (lowering turns it into a plan span). */
export type GateInfo = Omit<PlanGate, 'span'> & { span: Span };

export interface CompareInfo {
  decl: CompareDecl;
  name: string;
  control: Expr | undefined;
  treatment: Expr | undefined;
  label: Expr | undefined;
  sliceBy: Expr | undefined;
  task: PlanTask;
  /** Requested metrics plus the ones gates need, each once, in order. */
  metrics: string[];
  gates: GateInfo[];
  sinks: ({ kind: 'sqlite' | 'jsonl'; path: string; span: Span } | { kind: 'postgres'; url: string | null; env: string | null; span: Span })[];
  options: { bootstrap: number; seed: number; confidence: number; max_slices: number };
}

export const COMPARE_FIELDS = [
  'control',
  'treatment',
  'label',
  'slice_by',
  'task',
  'metrics',
  'bootstrap',
  'seed',
  'confidence',
  'max_slices',
] as const;
export const TASKS = ['binary', 'multiclass', 'regression'] as const;
const MODEL_FIELDS = ['control', 'treatment', 'delta', 'ratio'] as const;
const DEFAULT_OPTIONS = { bootstrap: 1000, seed: 0, confidence: 0.95, max_slices: 50 };

export function compareCheck(res: Resolution, typing: Typing): PassResult<CompareInfo[]> {
  const diagnostics: Diagnostic[] = [];
  const infos: CompareInfo[] = [];
  for (const sym of declaredSymbols(res)) {
    if (sym.decl.kind !== 'compare') continue;
    const one = compareOne(sym.decl, typing);
    if (!one) continue;
    if (one.result) infos.push(one.result);
    for (const d of one.diagnostics) diagnostics.push(d);
  }
  return { result: infos, diagnostics };
}

/**
 * Check one compare block (`undefined`: it has no name, and is not checked). Its result depends only on its
 * tree, the values of its fields' expressions and the dims unifier (which it adds one fact to): an
 * incremental session (recheck.ts) keeps it while those are the same.
 */
export function compareOne(decl: CompareDecl, typing: Typing): PassResult<CompareInfo | undefined> | undefined {
  if (!decl.name) return undefined;
  const diagnostics: Diagnostic[] = [];
  try {
    return { result: checkOne(decl, typing, diagnostics), diagnostics };
  } catch (err) {
    diagnostics.push(diag('M7001', decl.span, { detail: err instanceof Error ? err.message : String(err) }));
    return { result: undefined, diagnostics };
  }
}

function checkOne(decl: CompareDecl, typing: Typing, diagnostics: Diagnostic[]): CompareInfo | undefined {
  const name = decl.name!.text;
  const fields = new Map<string, CompareDecl['fields'][number]>();
  for (const f of decl.fields) {
    const key = f.key.text;
    if (!(COMPARE_FIELDS as readonly string[]).includes(key)) {
      const guess = didYouMean(key, COMPARE_FIELDS);
      diagnostics.push(diag('M6008', f.key.span, { field: key }, guess ? suggest(guess, f.key.span) : { help: HELP.compareFields(COMPARE_FIELDS) }));
      continue;
    }
    if (fields.has(key)) {
      diagnostics.push(diag('M6014', f.key.span, { field: key }, { related: [{ span: fields.get(key)!.key.span, message: 'first given here' }] }));
      continue;
    }
    fields.set(key, f);
  }

  const fieldType = (key: string): ValueType | undefined => {
    const v = fields.get(key)?.value;
    if (!v) return undefined;
    const val = typing.values.get(v);
    if (val?.kind === 'tensor') return val.type;
    if (val?.kind === 'model-call' && val.outputs.size === 1) return [...val.outputs.values()][0];
    if (val?.kind === 'model-call') {
      diagnostics.push(diag('M6017', v.span, { field: key, what: 'one tensor: select a model output, e.g. `.probabilities`' }));
    }
    return undefined;
  };

  for (const required of ['control', 'treatment'] as const) {
    if (!fields.has(required)) diagnostics.push(diag('M6001', decl.name!.span, { field: required, name }, { help: HELP.addCompareField(required) }));
  }

  // ── task ────────────────────────────────────────────────────────────────────────────────────
  let task: PlanTask | undefined;
  const taskField = fields.get('task');
  if (!taskField) {
    diagnostics.push(diag('M6001', decl.name!.span, { field: 'task', name }, { help: HELP.addTask }));
  } else {
    task = parseTask(taskField.value, diagnostics);
  }

  const control = fieldType('control');
  const treatment = fieldType('treatment');
  const label = fieldType('label');
  const slice = fieldType('slice_by');
  const shown = (t: ValueType) => typing.resolved(t);
  const fmt = (t: ValueType) => {
    const r = shown(t);
    return `${r.dtype}[${r.dims.map(formatDim).join(', ')}]`;
  };

  if (control && treatment) {
    const rc = shown(control);
    const rt = shown(treatment);
    const same = rc.dtype === rt.dtype && rc.dims.length === rt.dims.length && rc.dims.every((d, i) => dimsCompatible(d, rt.dims[i]!));
    if (!same) {
      diagnostics.push(
        diag(
          'M6002',
          fields.get('treatment')!.value!.span,
          { control: fmt(control), treatment: fmt(treatment) },
          {
            notes: [NOTE.side('control', fmt(control), control.origin.what), NOTE.side('treatment', fmt(treatment), treatment.origin.what)],
            related: [control.origin, treatment.origin].filter((o) => o.span).map((o) => ({ span: o.span!, message: o.what })),
          },
        ),
      );
    } else {
      // Both sides are read row by row together: their row dimension is one.
      typing.unifier.unify(control.dims[0] ?? null, treatment.dims[0] ?? null, control.origin, treatment.origin);
    }
    if (task) checkSignalFitsTask(task, control, fields.get('control')!.value!.span, fmt, diagnostics);
  }
  if (label && task) {
    const r = shown(label);
    const ok = r.dims.length === 1 || (r.dims.length === 2 && r.dims[1] === 1);
    const dtypeOk = r.dtype !== 'str';
    if (!ok || !dtypeOk) {
      diagnostics.push(
        diag('M6012', fields.get('label')!.value!.span, {
          found: fmt(label),
          expected: task.kind === 'regression' ? 'one number per row' : 'one class index per row (an integer or bool)',
        }),
      );
    }
  }
  if (slice) {
    const r = shown(slice);
    if (!(r.dims.length === 1 || (r.dims.length === 2 && r.dims[1] === 1)))
      diagnostics.push(diag('M6013', fields.get('slice_by')!.value!.span, { found: fmt(slice) }));
  }
  for (const key of ['label', 'slice_by'] as const) {
    const v = fields.get(key)?.value;
    if (v && (v.kind === 'number' || v.kind === 'string' || v.kind === 'bool' || v.kind === 'list')) {
      diagnostics.push(diag('M6017', v.span, { field: key, what: 'an input or a node' }));
    }
  }

  // ── options ─────────────────────────────────────────────────────────────────────────────────
  const options = { ...DEFAULT_OPTIONS };
  const intOption = (key: 'bootstrap' | 'seed' | 'max_slices', min: number) => {
    const f = fields.get(key);
    if (!f) return;
    const v = literalValue(f.value);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      diagnostics.push(diag('M6015', f.value?.span ?? f.span, { field: key, reason: `must be an integer ≥ ${min}` }));
      return;
    }
    options[key] = v;
  };
  intOption('bootstrap', 0);
  intOption('seed', 0);
  intOption('max_slices', 1);
  const conf = fields.get('confidence');
  if (conf) {
    const v = literalValue(conf.value);
    if (typeof v !== 'number' || !(v > 0 && v < 1))
      diagnostics.push(diag('M6015', conf.value?.span ?? conf.span, { field: 'confidence', reason: 'must be a number between 0 and 1, e.g. 0.95' }));
    else options.confidence = v;
  }

  // ── metrics ─────────────────────────────────────────────────────────────────────────────────
  const hasLabel = fields.has('label');
  const metrics: string[] = [];
  const metricsField = fields.get('metrics');
  if (metricsField && task) {
    const items = metricsField.value?.kind === 'list' ? metricsField.value.items : metricsField.value ? [metricsField.value] : [];
    if (metricsField.value && metricsField.value.kind !== 'list') {
      diagnostics.push(
        diag('M6015', metricsField.value.span, { field: 'metrics', reason: 'must be a list of metric names, e.g. [accuracy, auroc]' }),
      );
    }
    for (const it of items) {
      if (it.kind !== 'ref') {
        diagnostics.push(diag('M6015', it.span, { field: 'metrics', reason: 'must be a list of metric names, e.g. [accuracy, auroc]' }));
        continue;
      }
      const m = it.name.text;
      if (checkMetric(m, it.span, task, hasLabel, diagnostics) && !metrics.includes(m)) metrics.push(m);
    }
  } else if (task) {
    metrics.push(...defaultMetrics(task.kind, hasLabel));
  }

  // ── gates ───────────────────────────────────────────────────────────────────────────────────
  const gates: GateInfo[] = [];
  for (const g of decl.gates) {
    const info = checkGate(g, task, hasLabel, options.bootstrap, diagnostics);
    if (!info) continue;
    gates.push(info);
    if (!metrics.includes(info.metric)) {
      if (metricsField) diagnostics.push(diag('M6016', g.path[0]!.span, { metric: info.metric }));
      metrics.push(info.metric);
    }
  }

  // ── sinks ───────────────────────────────────────────────────────────────────────────────────
  const sinks: CompareInfo['sinks'] = [];
  for (const s of decl.sinks) {
    if (!s.kind) continue;
    if (s.kind.text === 'postgres') {
      const sink = postgresSink(s.args);
      if (typeof sink === 'string') diagnostics.push(diag('M6015', s.span, { field: 'sink postgres', reason: sink }));
      else sinks.push({ kind: 'postgres', ...sink, span: s.span });
      continue;
    }
    if (s.kind.text !== 'sqlite' && s.kind.text !== 'jsonl') {
      const guess = didYouMean(s.kind.text, ['sqlite', 'jsonl', 'postgres']);
      diagnostics.push(diag('M6010', s.kind.span, { sink: s.kind.text }, suggest(guess, s.kind.span)));
      continue;
    }
    const path = s.args.length === 1 && !s.args[0]!.name ? literalValue(s.args[0]!.value) : undefined;
    if (typeof path !== 'string' || path.length === 0) {
      diagnostics.push(
        diag('M6015', s.span, {
          field: `sink ${s.kind.text}`,
          reason: `takes one path string, e.g. ${s.kind.text}("results/ab.${s.kind.text === 'sqlite' ? 'db' : 'jsonl'}")`,
        }),
      );
      continue;
    }
    sinks.push({ kind: s.kind.text, path, span: s.span });
  }

  if (!task) return undefined;
  return {
    decl,
    name,
    control: fields.get('control')?.value,
    treatment: fields.get('treatment')?.value,
    label: fields.get('label')?.value,
    sliceBy: fields.get('slice_by')?.value,
    task,
    metrics,
    gates,
    sinks,
    options,
  };
}

function dimsCompatible(a: Dim, b: Dim): boolean {
  return a === null || b === null || typeof a === 'string' || typeof b === 'string' || a === b;
}

function parseTask(e: Expr | undefined, diagnostics: Diagnostic[]): PlanTask | undefined {
  if (!e) return undefined;
  const name = e.kind === 'ref' ? e.name : e.kind === 'call' ? e.callee : undefined;
  if (!name || !(TASKS as readonly string[]).includes(name.text)) {
    const text = name?.text ?? 'this value';
    const guess = name ? didYouMean(name.text, TASKS) : undefined;
    diagnostics.push(diag('M6009', (name ?? e).span, { task: text }, name ? suggest(guess, name.span) : {}));
    return undefined;
  }
  const args = e.kind === 'call' ? e.args : [];
  const allowed: Record<string, string[]> = { binary: ['threshold'], multiclass: ['top_k'], regression: [] };
  const params: Record<string, number> = {};
  for (const a of args) {
    const key = a.name?.text;
    const v = literalValue(a.value);
    if (!key || !allowed[name.text]!.includes(key)) {
      diagnostics.push(
        diag('M6015', a.span, {
          field: 'task',
          reason: allowed[name.text]!.length
            ? `${name.text} takes ${allowed[name.text]!.map((k) => `\`${k}:\``).join(', ')}`
            : `${name.text} takes no parameters`,
        }),
      );
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      diagnostics.push(diag('M6015', a.value?.span ?? a.span, { field: 'task', reason: `\`${key}\` must be a number` }));
      continue;
    }
    if (key === 'top_k' && (!Number.isInteger(v) || v < 1)) {
      diagnostics.push(diag('M6015', a.value!.span, { field: 'task', reason: '`top_k` must be an integer ≥ 1' }));
      continue;
    }
    params[key] = v;
  }
  if (name.text === 'binary') return { kind: 'binary', threshold: params.threshold ?? 0.5 };
  if (name.text === 'multiclass') return { kind: 'multiclass', top_k: params.top_k ?? 2 };
  return { kind: 'regression' };
}

function checkSignalFitsTask(task: PlanTask, t: ValueType, span: Span, fmt: (t: ValueType) => string, diagnostics: Diagnostic[]): void {
  const rank = t.dims.length;
  const last = t.dims[rank - 1];
  if (!isFloatDType(t.dtype)) {
    diagnostics.push(diag('M6003', span, { task: task.kind, found: fmt(t), expected: 'float scores (f32 or f64)' }, { help: HELP.scoresNotLabels }));
    return;
  }
  if (task.kind === 'binary' || task.kind === 'regression') {
    const ok = rank === 1 || (rank === 2 && (last === 1 || (task.kind === 'binary' && last === 2)));
    if (!ok) {
      diagnostics.push(
        diag(
          'M6003',
          span,
          {
            task: task.kind,
            found: fmt(t),
            expected:
              task.kind === 'binary'
                ? 'one score per row ([rows], [rows, 1]) or two-column probabilities ([rows, 2])'
                : 'one value per row ([rows] or [rows, 1])',
          },
          {
            help: task.kind === 'binary' ? HELP.selectPositiveColumn : undefined,
          },
        ),
      );
    }
  } else if (!(rank === 2 && (last === null || typeof last === 'string' || (typeof last === 'number' && last >= 2)))) {
    diagnostics.push(diag('M6003', span, { task: 'multiclass', found: fmt(t), expected: 'a probability row per input ([rows, classes])' }));
  }
}

function checkMetric(m: string, span: Span, task: PlanTask, hasLabel: boolean, diagnostics: Diagnostic[]): boolean {
  const info = METRIC_CATALOGUE[m];
  if (!info) {
    const guess = didYouMean(
      m,
      Object.keys(METRIC_CATALOGUE).filter((k) => METRIC_CATALOGUE[k]!.tasks.includes(task.kind)),
    );
    diagnostics.push(diag('M6006', span, { metric: m }, guess ? suggest(guess, span) : { help: HELP.seeMetrics }));
    return false;
  }
  if (!info.tasks.includes(task.kind)) {
    diagnostics.push(diag('M6004', span, { metric: m, task: task.kind }, { notes: [NOTE.appliesTo(m, info.tasks)] }));
    return false;
  }
  if (info.needsLabel && !hasLabel) {
    diagnostics.push(diag('M6005', span, { metric: m }));
    return false;
  }
  return true;
}

function checkGate(g: GateDecl, task: PlanTask | undefined, hasLabel: boolean, bootstrap: number, diagnostics: Diagnostic[]): GateInfo | undefined {
  if (g.path.length === 0 || !g.op || !g.bound) return undefined; // syntax error reported
  let metric: string;
  let field: GateInfo['field'];
  let metricSpan: Span;
  const [a, b, ...rest] = g.path;
  if (rest.length > 0) {
    diagnostics.push(diag('M6011', g.span, { reason: 'a gate names a metric and at most one field, e.g. `auroc.delta` or `treatment.auroc`' }));
    return undefined;
  }
  if (b && (a!.text === 'control' || a!.text === 'treatment')) {
    metric = b.text;
    field = a!.text as 'control' | 'treatment';
    metricSpan = b.span;
  } else {
    metric = a!.text;
    metricSpan = a!.span;
    field = b ? (b.text as GateInfo['field']) : 'value';
  }
  const info = METRIC_CATALOGUE[metric];
  if (!info) {
    const guess = didYouMean(metric, Object.keys(METRIC_CATALOGUE));
    diagnostics.push(diag('M6006', metricSpan, { metric }, suggest(guess, metricSpan)));
    return undefined;
  }
  if (task && !info.tasks.includes(task.kind)) {
    diagnostics.push(diag('M6004', metricSpan, { metric, task: task.kind }));
    return undefined;
  }
  if (info.needsLabel && !hasLabel) {
    diagnostics.push(diag('M6005', metricSpan, { metric }));
    return undefined;
  }
  if (metric === 'confusion_matrix') {
    diagnostics.push(diag('M6011', metricSpan, { reason: '`confusion_matrix` is a matrix: gate on a number such as accuracy or recall' }));
    return undefined;
  }
  if (info.kind === 'pair' && field !== 'value') {
    diagnostics.push(diag('M6007', b?.span ?? a!.span, { field, metric, allowed: `\`${metric}\` alone (it compares the two models)` }));
    return undefined;
  }
  if (info.kind === 'model' && field === 'value') {
    const allowed = `\`${metric}.delta\`, \`${metric}.ratio\`, \`control.${metric}\` or \`treatment.${metric}\``;
    diagnostics.push(diag('M6018', metricSpan, { metric, allowed }, { help: HELP.write(allowed) }));
    return undefined;
  }
  if (info.kind === 'model' && !(MODEL_FIELDS as readonly string[]).includes(field)) {
    const guess = didYouMean(field, MODEL_FIELDS);
    diagnostics.push(
      diag('M6007', b!.span, { field, metric, allowed: '`delta`, `ratio`, or `control.`/`treatment.` before the metric' }, suggest(guess, b!.span)),
    );
    return undefined;
  }
  let confidence: number | null = null;
  if (g.at) {
    const pct = g.at.value;
    // The level as the plan stores it must itself lie strictly between 0 and 1: `at 5e-324%` is > 0% but
    // rounds to 0 once divided by 100, and `at 99.99999999999999999%` is 100% as a float.
    if (!(pct > 0 && pct < 100 && pct / 100 > 0 && pct / 100 < 1)) {
      diagnostics.push(diag('M6011', g.at.span, { reason: `\`at ${g.at.text}%\`: the confidence level must be between 0% and 100%, e.g. 95%` }));
      return undefined;
    }
    if (bootstrap === 0) {
      diagnostics.push(
        diag(
          'M6011',
          g.at.span,
          { reason: '`at N%` needs a confidence interval, and this comparison sets `bootstrap: 0`' },
          { help: HELP.noIntervalWithoutBootstrap },
        ),
      );
      return undefined;
    }
    confidence = pct / 100;
  }
  return { text: g.text, metric, field, op: g.op, bound: g.bound.value, confidence, span: g.span };
}

/**
 * Check one gate written as text (`auroc.delta >= -0.01 at 95%`), as `m4c compare --gate` takes it: the same
 * parser and the same rules as a gate inside a compare block. Returns the gate or the diagnostics (spans
 * relative to the text).
 */
export function checkGateText(text: string, task: PlanTask, hasLabel: boolean, bootstrap: number): { gate?: GateInfo; diagnostics: Diagnostic[] } {
  const prefix = 'compare _ { gate ';
  const { program, problems } = parse(`${prefix}${text} }`, '--gate');
  const diagnostics: Diagnostic[] = problems.map((p) =>
    diag('M6011', p.span, { reason: `cannot parse \`${text}\`: write METRIC.FIELD OP NUMBER [at N%]` }),
  );
  const decl = program.decls[0];
  if (diagnostics.length > 0 || decl?.kind !== 'compare' || decl.gates.length !== 1 || decl.fields.length > 0) {
    return { diagnostics: diagnostics.length > 0 ? diagnostics.slice(0, 1) : [diag('M6011', program.span, { reason: `cannot parse \`${text}\`` })] };
  }
  const gate = checkGate(decl.gates[0]!, task, hasLabel, bootstrap, diagnostics);
  return { gate, diagnostics };
}

/**
 * `postgres("postgres://…")` or `postgres(env: "NAME")` (the URL read from NAME when the sink opens, so a
 * password stays out of the file); a message saying what is wrong otherwise.
 */
function postgresSink(args: readonly Arg[]): { url: string | null; env: string | null } | string {
  const usage = 'takes one postgres:// URL string or env: "VARIABLE", e.g. postgres(env: "M4_DATABASE_URL")';
  if (args.length !== 1) return usage;
  const a = args[0]!;
  const v = literalValue(a.value);
  if (typeof v !== 'string' || v.length === 0) return usage;
  if (a.name === undefined) {
    if (!/^postgres(ql)?:\/\//i.test(v)) return `expects a postgres://USER@HOST:PORT/DATABASE URL, got ${JSON.stringify(v.slice(0, 40))}`;
    return { url: v, env: null };
  }
  if (a.name.text !== 'env') return usage;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return `env: names an environment variable, got ${JSON.stringify(v)}`;
  return { url: null, env: v };
}
