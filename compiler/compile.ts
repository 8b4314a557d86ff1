/**
 * The compiler driver: runs every pass in order and collects their diagnostics. Passes after a failed one
 * still run on what is known (a parse error near the top does not hide type errors further down); only
 * lowering needs an error-free program.
 */
import { Graph } from '@dagrejs/graphlib';
import type { Program, Span } from '../grammar/ast.ts';
import type { Plan } from '../plan/plan-types.ts';
import { compareCheck, type CompareInfo } from './compare-check.ts';
import { diag, hasErrors, sortDiagnostics, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';
import { graphPass, type DeclGraph } from './graph.ts';
import { lower } from './lower.ts';
import { baseDirOf, modelsPass, type ModelTable } from './models.ts';
import { replayPass } from './replay.ts';
import { readSourceFile } from './source-file.ts';
import { resolve, type Resolution } from './resolve.ts';
import { syntaxPass } from './syntax.ts';
import { typecheck, type TypecheckHooks, type Typing } from './typecheck.ts';

export interface Compilation {
  file: string;
  text: string;
  program: Program;
  resolution: Resolution;
  models: ModelTable;
  typing: Typing;
  graph: DeclGraph;
  compares: CompareInfo[];
  /** Present when there are no errors. */
  plan: Plan | undefined;
  diagnostics: Diagnostic[];
}

/** How an incremental session (incremental.ts) takes part in a compilation. */
export interface CompileHooks {
  /** The resolve pass's result without running it (`undefined`: run it). */
  resolve?(program: Program): PassResult<Resolution> | undefined;
  /** The graph pass's result without running it (`undefined`: run it). */
  graph?(res: Resolution): PassResult<DeclGraph> | undefined;
  check?: TypecheckHooks;
  /** The compare pass's result without running it on every block (`undefined`: run it). */
  compare?(res: Resolution, typing: Typing): PassResult<CompareInfo[]> | undefined;
}

export interface CompileOptions {
  /** Directory model paths are relative to; default: the file's directory. */
  baseDir?: string;
  /** Skip lowering (editors only need diagnostics and analysis). */
  noPlan?: boolean;
}

/** Compile source text. Never throws on user errors; an internal failure becomes an M7001 diagnostic. */
export function compileSource(text: string, file: string, opts: CompileOptions = {}): Compilation {
  return compileParsed(text, file, guardedSyntax(text, file), opts);
}

/** The syntax pass, guarded like the others: a throw leaves an empty program and an M7001. */
function guardedSyntax(text: string, file: string): PassResult<Program> {
  try {
    return syntaxPass(text, file);
  } catch (err) {
    const span: Span = { file, start: 0, end: Math.min(1, text.length), line: 1, column: 1, endLine: 1, endColumn: 2 };
    return { result: { file, decls: [], comments: [], span }, diagnostics: [internalError('syntax', err, span)] };
  }
}

/**
 * The passes after parsing, for a caller that parsed `text` itself: the language server re-parses only the
 * declarations an edit touched. `syntax` must be what `syntaxPass(text, file)` returns for the same text.
 * `hooks` let an incremental session (incremental.ts) supply the resolution, the graph and declarations'
 * type checks.
 */
export function compileParsed(text: string, file: string, syntax: PassResult<Program>, opts: CompileOptions = {}, hooks?: CompileHooks): Compilation {
  const baseDir = opts.baseDir ?? baseDirOf(file);
  const program = syntax.result;
  const diagnostics: Diagnostic[] = [];
  // Appended one by one: `push(...xs)` passes every element as an argument and overflows the stack on a
  // file with ~125,000 diagnostics.
  const add = (ds: readonly Diagnostic[]) => {
    for (const d of ds) diagnostics.push(d);
  };
  // Every pass is guarded: a bug in one becomes an internal-error diagnostic and the other passes still run
  // (on an empty result), so an editor never goes blank.
  const run = <R>(pass: string, fallback: () => R, f: () => PassResult<R>): R => {
    try {
      const r = f();
      add(r.diagnostics);
      return r.result;
    } catch (err) {
      diagnostics.push(internalError(pass, err, program.span));
      return fallback();
    }
  };
  add(syntax.diagnostics);
  const res = run('resolve', emptyResolution, () => hooks?.resolve?.(program) ?? resolve(program));
  const models = run(
    'models',
    () => new Map() as ModelTable,
    () => modelsPass(program, { baseDir }),
  );
  const graph = run('graph', emptyGraph, () => hooks?.graph?.(res) ?? graphPass(res));
  const typing = run(
    'typecheck',
    () => typecheck(emptyResolution(), new Map()).result,
    () => typecheck(res, models, graph.bestEffortSymbols, baseDir, hooks?.check),
  );
  const compares = run(
    'compare',
    () => [] as CompareInfo[],
    () => hooks?.compare?.(res, typing) ?? compareCheck(res, typing),
  );
  const replay = run(
    'replay',
    () => undefined as string | undefined,
    () => replayPass(program, baseDir),
  );

  let plan: Plan | undefined;
  if (!opts.noPlan && !hasErrors(diagnostics)) {
    try {
      plan = lower({ file, text, baseDir, res, models, typing, graph, compares, defaultData: replay });
    } catch (err) {
      diagnostics.push(internalError('lower', err, program.span));
    }
  }
  return {
    file,
    text,
    program,
    resolution: res,
    models,
    typing,
    graph,
    compares,
    plan,
    diagnostics: capPerFile(sortDiagnostics(dedupe(diagnostics))),
  };
}

/** An exception inside a pass, as a diagnostic at the start of the file (a pass that knows better guards itself). */
function internalError(pass: string, err: unknown, span: Span): Diagnostic {
  const message = err instanceof Error ? err.message : String(err);
  const at: Span = { ...span, end: Math.min(span.end, span.start + 1), endLine: span.line, endColumn: span.column + 1 };
  return diag('M7001', at, { detail: `${pass}: ${message}` });
}

function emptyResolution(): Resolution {
  return { symbols: new Map(), declSymbols: new Map(), targets: new Map(), references: new Map(), deps: new Map() };
}

function emptyGraph(): DeclGraph {
  return {
    graph: new Graph({ directed: true }),
    order: undefined,
    bestEffortSymbols: [],
    live: new Set(),
    readersOf: () => [],
    readerNames: () => [],
  };
}

/** At most this many diagnostics per file are reported (as tsc and rustc do); one more says how many were left out. */
export const MAX_DIAGNOSTICS_PER_FILE = 1000;

/**
 * Keep the first {@link MAX_DIAGNOSTICS_PER_FILE} of each file (`ds` is sorted by file) and add one M7002 at
 * the first left-out position. Its severity is the worst it hides, so a hidden error still fails `check`.
 */
export function capPerFile(ds: Diagnostic[]): Diagnostic[] {
  if (ds.length <= MAX_DIAGNOSTICS_PER_FILE) return ds;
  const out: Diagnostic[] = [];
  let i = 0;
  while (i < ds.length) {
    const file = ds[i]!.span.file;
    let j = i;
    while (j < ds.length && ds[j]!.span.file === file) j++;
    for (let k = i; k < Math.min(j, i + MAX_DIAGNOSTICS_PER_FILE); k++) out.push(ds[k]!);
    const hidden = j - i - MAX_DIAGNOSTICS_PER_FILE;
    if (hidden > 0) {
      let worst: Diagnostic['severity'] = 'info';
      for (let k = i + MAX_DIAGNOSTICS_PER_FILE; k < j; k++) {
        const sev = ds[k]!.severity;
        if (sev === 'error') {
          worst = 'error';
          break;
        }
        if (sev === 'warning') worst = 'warning';
      }
      const first = ds[i + MAX_DIAGNOSTICS_PER_FILE]!;
      out.push({ ...diag('M7002', first.span, { hidden, shown: MAX_DIAGNOSTICS_PER_FILE }), severity: worst });
    }
    i = j;
  }
  return out;
}

/**
 * Read and compile a file. A file that cannot be read, or is not text, throws a {@link SourceFileError}
 * (one line), which the caller (CLI) reports.
 */
export function compileFile(path: string, opts: CompileOptions = {}): Compilation {
  return compileSource(readSourceFile(path), path, opts);
}

/** The same check reached twice (e.g. through two paths) is reported once. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.code}:${d.span.start}:${d.span.end}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
