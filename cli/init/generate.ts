/**
 * `m4c init` without the terminal: options in, the `.m4` text out, checked by the compiler.
 *
 * The text is compiled before anyone sees it. Errors may only sit in declarations the draft flagged as
 * carrying an unbridgeable difference between the two models; each becomes a `TODO(m4 init)` comment
 * quoting the compiler's diagnostic, and the result says how many there are. An error anywhere else is a
 * bug in init, reported as such (exit 3) with the diagnostics — never a silently broken file.
 */
import { basename, join, resolve } from 'node:path';
import { compileSource } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { renderHuman } from '../../compiler/diagnostics/render-human.ts';
import { formatSource } from '../../compiler/format.ts';
import type { Decl } from '../../grammar/ast.ts';
import { readDataSample, type DataSample } from './data-sample.ts';
import { buildDraft } from './draft-builder.ts';
import { emitDraft } from './emit-text.ts';
import type { Draft, DraftItem } from './graph-draft.ts';
import { analyzeModel, type AnalyzedModel } from './model-analysis.ts';

/** What `m4c init` was asked for. Paths are as the user typed them, relative to `cwd`. */
export interface InitOptions {
  model: string;
  candidate?: string;
  data?: string;
  label?: string;
  /** The `.m4` file to write; `-` for stdout; undefined for the default name. */
  output?: string;
  cwd: string;
}

/** A declaration the compiler rejects, left for a human with a TODO comment. */
export interface InitTodo {
  /** 1-based line of the declaration in the final text. */
  line: number;
  /** `error[M6002]: ...`, as in the comment. */
  diagnostic: string;
}

export type InitResult =
  | {
      ok: true;
      text: string;
      /** Absolute path to write, or null for stdout. */
      outFile: string | null;
      todos: InitTodo[];
      /** Compiler warnings on the final text (one line each). */
      warnings: string[];
    }
  | { ok: false; exit: 2 | 3; message: string; details?: string };

/** The default output file: `NAME.m4` for one model, `CANDIDATE-vs-CONTROL.m4` for a pair, in `cwd`. */
export function defaultOutputName(model: string, candidate: string | undefined): string {
  const stem = (p: string) => basename(p).replace(/\.onnx$/i, '');
  return candidate ? `${stem(candidate)}-vs-${stem(model)}.m4` : `${stem(model)}.m4`;
}

/** Where the text goes: an absolute path, or stdout (paths in the text then relative to `cwd`). */
export function outputTarget(o: InitOptions): { outFile: string | null; shownName: string; compileAs: string } {
  if (o.output === '-') {
    const name = defaultOutputName(o.model, o.candidate);
    return { outFile: null, shownName: name, compileAs: join(resolve(o.cwd), name) };
  }
  const given = o.output ?? defaultOutputName(o.model, o.candidate);
  const abs = resolve(o.cwd, given);
  return { outFile: abs, shownName: basename(abs), compileAs: abs };
}

/** Read the models and the sample, build the file and check it. Never throws on user errors. */
export async function generateInit(o: InitOptions): Promise<InitResult> {
  const ctrl = analyzeModel(o.model, o.cwd);
  if (!ctrl.ok) return { ok: false, exit: 2, message: ctrl.message };
  let candidate: AnalyzedModel | null = null;
  if (o.candidate !== undefined) {
    const c = analyzeModel(o.candidate, o.cwd);
    if (!c.ok) return { ok: false, exit: 2, message: c.message };
    candidate = c.model;
  }
  let sample: DataSample | null = null;
  if (o.data !== undefined) {
    const s = await readDataSample(o.data, o.cwd);
    if (!s.ok) return { ok: false, exit: 2, message: s.message };
    sample = s.sample;
  }
  const target = outputTarget(o);
  const built = buildDraft({
    control: ctrl.model,
    candidate,
    sample,
    labelFlag: o.label,
    outFile: target.compileAs,
    shownName: target.shownName,
  });
  if (!built.ok) return { ok: false, exit: 2, message: built.message };
  return checkDraft(built.draft, target.compileAs, target.outFile);
}

const line = (d: Diagnostic) => `${d.severity}[${d.code}]: ${d.message}${d.help ? ` (help: ${d.help})` : ''}`;

/** The draft as text, in the formatter's layout (a formatter failure is a bug: nothing is written). */
function render(draft: Draft, file: string): { text: string } | { failure: Diagnostic[]; text: string } {
  const text = emitDraft(draft);
  const f = formatSource(text, file);
  return f.ok ? { text: f.text } : { failure: f.diagnostics, text };
}

/**
 * Compile the draft's text; attach a TODO to each flagged declaration the compiler rejects, then compile
 * again to be sure the TODOs changed nothing else. Declarations are found through the compiled program:
 * the k-th declaration of the text is the k-th item of the draft.
 */
export function checkDraft(draft: Draft, compileAs: string, outFile: string | null): InitResult {
  const items = draft.groups.flatMap((g) => g.items);
  const owner = (d: Diagnostic, decls: readonly Decl[]): DraftItem | undefined => {
    const k = decls.findIndex((x) => x.span.start <= d.span.start && d.span.start < Math.max(x.span.end, x.span.start + 1));
    return k >= 0 && decls.length === items.length ? items[k] : undefined;
  };
  let r = render(draft, compileAs);
  if ('failure' in r) return bug(r.failure, r.text, compileAs);
  let c = compileSource(r.text, compileAs);
  const errors = c.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const stray = errors.filter((d) => !owner(d, c.program.decls)?.unbridged);
    if (stray.length > 0) return bug(stray, r.text, compileAs);
    for (const d of errors) {
      const it = owner(d, c.program.decls)!;
      const marked = it.leading.some((l) => l.startsWith('TODO(m4 init)'));
      it.leading.push(`${marked ? 'The compiler says' : 'TODO(m4 init): the compiler says'} ${line(d)}`);
    }
    r = render(draft, compileAs);
    if ('failure' in r) return bug(r.failure, r.text, compileAs);
    c = compileSource(r.text, compileAs);
  }
  const finalErrors = c.diagnostics.filter((d) => d.severity === 'error');
  const stray = finalErrors.filter((d) => !owner(d, c.program.decls)?.unbridged);
  if (stray.length > 0) return bug(stray, r.text, compileAs);
  return {
    ok: true,
    text: r.text,
    outFile,
    todos: finalErrors.map((d) => ({ line: d.span.line, diagnostic: line(d) })),
    warnings: c.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${basename(compileAs)}:${d.span.line}: ${line(d)}`),
  };
}

function bug(errors: Diagnostic[], text: string, file: string): InitResult {
  return {
    ok: false,
    exit: 3,
    message: `internal error: the generated file does not compile (${errors.length} error${errors.length === 1 ? '' : 's'}); nothing was written. Please report it with the diagnostics below.`,
    details: `${renderHuman(errors, { color: false, sources: new Map([[file, text]]) })}\n--- generated text ---\n${text}`,
  };
}
