/**
 * The compiler driver: runs every pass in order and collects their diagnostics. Passes after a failed one
 * still run on what is known (a parse error near the top does not hide type errors further down); only
 * lowering needs an error-free program.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Program } from '../grammar/ast.ts';
import type { Plan } from '../plan/plan-types.ts';
import { compareCheck, type CompareInfo } from './compare-check.ts';
import { diag, hasErrors, sortDiagnostics, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';
import { graphPass, type DeclGraph } from './graph.ts';
import { lower } from './lower.ts';
import { baseDirOf, modelsPass, type ModelTable } from './models.ts';
import { replayPass } from './replay.ts';
import { resolve, type Resolution } from './resolve.ts';
import { syntaxPass } from './syntax.ts';
import { typecheck, type Typing } from './typecheck.ts';

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

export interface CompileOptions {
  /** Directory model paths are relative to; default: the file's directory. */
  baseDir?: string;
  /** Skip lowering (editors only need diagnostics and analysis). */
  noPlan?: boolean;
}

/** Compile source text. Never throws on user errors; an internal failure becomes an M7001 diagnostic. */
export function compileSource(text: string, file: string, opts: CompileOptions = {}): Compilation {
  return compileParsed(text, file, syntaxPass(text, file), opts);
}

/**
 * The passes after parsing, for a caller that parsed `text` itself: the language server re-parses only the
 * declarations an edit touched. `syntax` must be what `syntaxPass(text, file)` returns for the same text.
 */
export function compileParsed(text: string, file: string, syntax: PassResult<Program>, opts: CompileOptions = {}): Compilation {
  const baseDir = opts.baseDir ?? baseDirOf(file);
  const diagnostics: Diagnostic[] = [];
  diagnostics.push(...syntax.diagnostics);
  const program = syntax.result;
  const res = resolve(program);
  diagnostics.push(...res.diagnostics);
  const models = modelsPass(program, { baseDir });
  diagnostics.push(...models.diagnostics);
  const graph = graphPass(res.result);
  diagnostics.push(...graph.diagnostics);
  const typing = typecheck(res.result, models.result, graph.result.order ?? graph.result.bestEffortOrder, baseDir);
  diagnostics.push(...typing.diagnostics);
  const compares = compareCheck(res.result, typing.result);
  diagnostics.push(...compares.diagnostics);
  const replay = replayPass(program, baseDir);
  diagnostics.push(...replay.diagnostics);

  let plan: Plan | undefined;
  if (!opts.noPlan && !hasErrors(diagnostics)) {
    try {
      plan = lower({ file, text, baseDir, res: res.result, models: models.result, typing: typing.result, graph: graph.result, compares: compares.result, defaultData: replay.result });
    } catch (err) {
      diagnostics.push(diag('M7001', program.span, { detail: err instanceof Error ? err.message : String(err) }));
    }
  }
  return {
    file, text, program, resolution: res.result, models: models.result, typing: typing.result, graph: graph.result,
    compares: compares.result, plan, diagnostics: sortDiagnostics(dedupe(diagnostics)),
  };
}

/** Read and compile a file. A file that cannot be read is reported by the caller (CLI) in one line. */
export function compileFile(path: string, opts: CompileOptions = {}): Compilation {
  const st = statSync(path);
  if (st.isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
  const text = readFileSync(path, 'utf8');
  return compileSource(text, path, opts);
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
