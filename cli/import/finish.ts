/**
 * From an imported graph to the `.m4` text that is written: emit, format in the canonical layout, compile,
 * and map every compiler diagnostic back to the source platform's file and line. Declarations the compiler
 * rejects get a `TODO(m4 import)` comment quoting the diagnostic (the file is still written, exit 1);
 * a comparison's task is inferred from the compiled type of its control signal, as `m4c init` does.
 */
import { basename } from 'node:path';
import { compileSource, type Compilation } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { formatSource } from '../../compiler/format.ts';
import type { Decl, Expr, Span } from '../../grammar/ast.ts';
import { applySignalSteps } from '../init/bridging.ts';
import { defaultGates } from '../init/draft-builder.ts';
import { inferSignal } from '../init/task-inference.ts';
import { writeString } from '../init/m4-names.ts';
import { emitGraph, nameGraph, type CompareText, type DeclOrigin, type GraphNames } from './emit.ts';
import type { ImportGraph, ImportModel } from './graph-ir.ts';

export interface FinishOptions {
  /** Absolute path the text is compiled as (its directory is where model paths are relative to). */
  compileAs: string;
  baseDir: string;
  /** Header comment lines (without `//`). */
  header: string[];
}

export interface Finished {
  text: string;
  /** Compiler diagnostics of the final text, at the source's lines (M2013 infos left out: see `externals`). */
  diagnostics: Diagnostic[];
  /** Lines of `TODO(m4 import)` comments in the text. */
  todos: number;
  externals: ImportModel[];
}

const MAX_PASSES = 4;

export function finishImport(g: ImportGraph, opts: FinishOptions): Finished {
  const names = nameGraph(g);
  const todos = new Map<string, string[]>();
  const addTodo = (decl: string, text: string) => {
    const list = todos.get(decl) ?? [];
    if (!list.includes(text)) list.push(text);
    todos.set(decl, list);
  };
  const externals = g.models.filter((m) => m.kind === 'external');
  for (const m of externals)
    addTodo(
      names.model.get(m.key)!,
      `${m.backend ?? 'an unknown'} backend: m4 cannot run it. ${m.advice ?? 'Export it to ONNX and declare it with onnx("...")'}`,
    );
  const header = [...opts.header];
  for (const n of g.notes) header.push(`TODO(m4 import): ${shortFile(n.span.file)}:${n.span.line}: ${n.construct} is not supported: ${n.instead}`);

  let compares: CompareText[] = [];
  let comparesBuilt = g.comparisons.length === 0;
  let text = '';
  let comp: Compilation | undefined;
  let origins = new Map<string, DeclOrigin>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const emitted = emitGraph(g, names, { header, todos, compares, baseDir: opts.baseDir });
    const formatted = formatSource(emitted.text, opts.compileAs);
    if (!formatted.ok) throw new Error(`the generated graph does not format: ${formatted.diagnostics[0]?.message ?? '?'}\n${emitted.text}`);
    text = formatted.text;
    origins = emitted.origins;
    comp = compileSource(text, opts.compileAs, { baseDir: opts.baseDir, noPlan: true });
    let changed = false;
    if (!comparesBuilt) {
      compares = g.comparisons.map((c) => compareText(c, names, comp!, addTodo));
      comparesBuilt = true;
      changed = true;
    }
    for (const d of comp.diagnostics) {
      if (d.severity !== 'error') continue;
      const decl = declAt(comp.program.decls, d.span);
      const name = decl?.name?.text;
      if (!name) continue;
      const before = todos.get(name)?.length ?? 0;
      addTodo(name, `error[${d.code}]: ${d.message}`);
      if ((todos.get(name)?.length ?? 0) > before) changed = true;
    }
    if (!changed) break;
  }
  const diagnostics = comp!.diagnostics.filter((d) => d.code !== 'M2013').map((d) => toSource(d, comp!, origins, text));
  const todoCount = text.split('\n').filter((l) => l.includes('TODO(m4 import)')).length;
  return { text, diagnostics, todos: todoCount, externals };
}

function compareText(
  c: ImportGraph['comparisons'][number],
  names: GraphNames,
  comp: Compilation,
  addTodo: (d: string, t: string) => void,
): CompareText {
  const name = names.comparison.get(c.name)!;
  const control = names.tensor.get(c.control) ?? c.control;
  const treatment = names.tensor.get(c.treatment) ?? c.treatment;
  const sym = comp.resolution.symbols.get(control);
  const type = sym ? comp.typing.declTypes.get(sym) : undefined;
  const base = { name, sink: `sqlite(${writeString(`results/${name}.db`)})`, origin: c.origin };
  if (!type) {
    addTodo(name, `the type of \`${control}\` is unknown (see the errors above), so the task could not be inferred: set it`);
    return { ...base, control, treatment, task: 'regression', gates: defaultGates('regression', false).map((x) => x.text), comment: [c.reason] };
  }
  const resolved = comp.typing.resolved(type);
  const choice = inferSignal({
    inputs: [],
    outputs: [{ name: c.control, type: resolved, onnxElemType: 0 }],
    unsupportedOutputs: [],
    opset: 0,
    opsets: {},
    irVersion: 0,
  });
  if ('problem' in choice) {
    addTodo(name, `${choice.problem}: choose a signal and a task`);
    return { ...base, control, treatment, task: 'regression', gates: defaultGates('regression', false).map((x) => x.text), comment: [c.reason] };
  }
  return {
    ...base,
    control: applySignalSteps(control, choice.steps),
    treatment: applySignalSteps(treatment, choice.steps),
    task: choice.task === 'binary' ? 'binary(threshold: 0.5)' : choice.task,
    gates: defaultGates(choice.task, false).map((x) => x.text),
    comment: [
      c.reason,
      `Task: ${choice.reason}`,
      'No labels in a serving graph: the gates are label-free; add `label:` and label gates for a replay with labels.',
    ],
  };
}

/** `clf/config.pbtxt`: the file with its directory, enough to find it in a repository. */
function shortFile(file: string): string {
  return file.split(/[\\/]/).slice(-2).join('/');
}

/** The declaration whose span contains `span`. */
function declAt(decls: readonly Decl[], span: Span): Decl | undefined {
  return decls.find((d) => d.span.start <= span.start && span.start < d.span.end);
}

/** A diagnostic on the generated text, moved to the source span the declaration (or argument) came from. */
function toSource(d: Diagnostic, comp: Compilation, origins: Map<string, DeclOrigin>, text: string): Diagnostic {
  const where = (span: Span): Span | undefined => {
    const decl = declAt(comp.program.decls, span);
    const origin = decl?.name ? origins.get(decl.name.text) : undefined;
    if (!origin) return undefined;
    const arg = decl && 'expr' in decl && decl.expr ? argAt(decl.expr, span) : undefined;
    return (arg !== undefined ? origin.args.get(arg) : undefined) ?? origin.span;
  };
  const target = where(d.span);
  if (!target) return d;
  const line = text.split('\n')[d.span.line - 1]?.trim() ?? '';
  const related = (d.related ?? []).flatMap((r) => {
    const s = where(r.span);
    return s && s.start !== target.start ? [{ span: s, message: r.message }] : [];
  });
  const notes = [...(d.notes ?? []).map(stripGeneratedPositions), `in the imported graph (${basename(d.span.file)}:${d.span.line}): ${line}`];
  const out: Diagnostic = { ...d, span: target, notes };
  if (related.length > 0) out.related = related;
  else delete out.related;
  delete out.suggestion;
  return out;
}

/** Notes name positions in the generated file `(x.m4:3:1)`; the last note shows that file's line instead. */
function stripGeneratedPositions(note: string): string {
  return note.replace(/ \([^()]*\.m4:\d+:\d+\)/g, '');
}

/** The name of the model argument of `e` whose span contains `span`. */
function argAt(e: Expr, span: Span): string | undefined {
  const inside = (s: Span) => s.start <= span.start && span.end <= s.end;
  if (e.kind === 'member') return argAt(e.object, span);
  if (e.kind !== 'call') return undefined;
  for (const a of e.args) {
    if (!inside(a.span)) continue;
    const deeper = a.value ? argAt(a.value, span) : undefined;
    return deeper ?? a.name?.text;
  }
  return undefined;
}
