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
    control: ctrl.model, candidate, sample, labelFlag: o.label, outFile: target.compileAs, shownName: target.shownName,
  });
  if (!built.ok) return { ok: false, exit: 2, message: built.message };
  return checkDraft(built.draft, target.compileAs, target.outFile);
}

const line = (d: Diagnostic) => `${d.severity}[${d.code}]: ${d.message}${d.help ? ` (help: ${d.help})` : ''}`;

/**
 * Compile the draft's text; attach a TODO to each flagged declaration the compiler rejects, then compile
 * again to be sure the TODOs changed nothing else.
 */
export function checkDraft(draft: Draft, compileAs: string, outFile: string | null): InitResult {
  let emitted = emitDraft(draft);
  let c = compileSource(emitted.text, compileAs);
  const owner = (d: Diagnostic, lines: typeof emitted.lines): DraftItem | undefined => {
    for (const [it, r] of lines) if (d.span.line >= r.first && d.span.line <= r.last) return it;
    return undefined;
  };
  const errors = c.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const stray = errors.filter((d) => !owner(d, emitted.lines)?.unbridged);
    if (stray.length > 0) return bug(stray, emitted.text, compileAs);
    for (const d of errors) {
      const it = owner(d, emitted.lines)!;
      const marked = it.leading.some((l) => l.startsWith('TODO(m4 init)'));
      it.leading.push(`${marked ? 'The compiler says' : 'TODO(m4 init): the compiler says'} ${line(d)}`);
    }
    emitted = emitDraft(draft);
    c = compileSource(emitted.text, compileAs);
  }
  const finalErrors = c.diagnostics.filter((d) => d.severity === 'error');
  const stray = finalErrors.filter((d) => !owner(d, emitted.lines)?.unbridged);
  if (stray.length > 0) return bug(stray, emitted.text, compileAs);
  return {
    ok: true,
    text: emitted.text,
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
