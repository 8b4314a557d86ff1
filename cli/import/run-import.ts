/**
 * `m4c import` without the terminal: detect the format, import the graph (and the candidate), write the
 * `.m4` text through the compiler, and classify the outcome: exit 0 when the file checks clean, 1 when it
 * was written with TODOs (external members, unsupported constructs, errors in the source graph), 2 when
 * nothing could be written.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { diag, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { isWritableName, toIdentifier } from '../init/m4-names.ts';
import { finishImport, type Finished } from './finish.ts';
import type { ImportGraph, ImportResult, Platform } from './graph-ir.ts';
import { importKserve } from './kserve.ts';
import { mergeCandidate } from './merge.ts';
import { importSeldon } from './seldon.ts';
import { importTriton, locateTriton } from './triton.ts';

export interface ImportOptions {
  path: string;
  from?: Platform;
  model?: string;
  candidate?: string;
  /** The `.m4` file to write; `-` for stdout; undefined for `NAME.m4` in `cwd`. */
  output?: string;
  cwd: string;
  /** The command as typed, for the header comment. */
  command: string;
}

export interface ImportOutcome {
  exit: 0 | 1 | 2;
  /** The text to write (null when nothing could be written). */
  text: string | null;
  /** Absolute path to write; null for stdout. */
  outFile: string | null;
  shownName: string;
  /** Importer and compiler diagnostics, at the source files' lines. */
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  finished: Finished | null;
  graph: ImportGraph | null;
}

/** The platform of `path` from its files: a Triton repository, or YAML with Seldon or KServe kinds. */
export function detectPlatform(path: string): Platform | { problem: string } {
  const abs = resolve(path);
  if (!existsSync(abs)) return { problem: `${path} does not exist` };
  const st = statSync(abs);
  if (st.isDirectory()) {
    if (existsSync(join(abs, 'config.pbtxt'))) return 'triton';
    const entries = readdirSync(abs);
    if (entries.some((e) => existsSync(join(abs, e, 'config.pbtxt')))) return 'triton';
    const yamls = entries.filter((e) => /\.ya?ml$/i.test(e)).map((e) => join(abs, e));
    const kind = yamlPlatform(yamls);
    if (kind) return kind;
    return { problem: `${path} holds neither a Triton repository (NAME/config.pbtxt) nor Seldon or KServe YAML` };
  }
  if (basename(abs) === 'config.pbtxt' || extname(abs) === '.pbtxt') return 'triton';
  if (/\.ya?ml$/i.test(abs)) {
    const kind = yamlPlatform([abs]);
    if (kind) return kind;
    return { problem: `${path} has no Seldon (mlops.seldon.io) or KServe (serving.kserve.io) resource` };
  }
  return { problem: `cannot tell the format of ${path}: pass --from triton|seldon|kserve` };
}

function yamlPlatform(files: string[]): Platform | undefined {
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    if (/apiVersion:\s*["']?mlops\.seldon\.io\//.test(text)) return 'seldon';
    if (/apiVersion:\s*["']?serving\.kserve\.io\//.test(text)) return 'kserve';
  }
  return undefined;
}

function importOne(
  platform: Platform,
  path: string,
  model: string | undefined,
  extra: { useVersion?: number; skipVersion?: number } = {},
): ImportResult {
  if (platform === 'triton') {
    const abs = resolve(path);
    const p = extname(abs) === '.pbtxt' ? dirname(abs) : abs;
    return importTriton({ path: p, model, ...extra });
  }
  return platform === 'seldon' ? importSeldon(path, model) : importKserve(path, model);
}

export function runImport(o: ImportOptions): ImportOutcome {
  const absPath = resolve(o.cwd, o.path);
  const detected = o.from ?? detectPlatform(absPath);
  const none = (diagnostics: Diagnostic[], sources = new Map<string, string>()): ImportOutcome => ({
    exit: 2,
    text: null,
    outFile: null,
    shownName: '',
    ...relativeTo(o.cwd, diagnostics, sources),
    finished: null,
    graph: null,
  });
  if (typeof detected !== 'string') return none([diag('M8010', pointAt(absPath), { reason: detected.problem })]);
  const platform = detected;

  const version = o.candidate !== undefined && /^\d+$/.test(o.candidate) ? Number(o.candidate) : undefined;
  if (version !== undefined && platform !== 'triton') {
    return none([
      diag('M8010', pointAt(absPath), {
        reason: `--candidate ${o.candidate}: a version number applies to a Triton repository; for ${platform}, give the candidate's YAML`,
      }),
    ]);
  }
  const control = importOne(platform, absPath, o.model, version !== undefined ? { skipVersion: version } : {});
  const diagnostics = [...control.diagnostics];
  const sources = new Map(control.sources);
  let graph = control.graph;
  if (graph && o.candidate !== undefined) {
    const cand =
      version !== undefined
        ? importOne(platform, absPath, o.model, { useVersion: version })
        : importOne(platform, resolve(o.cwd, o.candidate), o.model);
    for (const d of cand.diagnostics) if (!diagnostics.some((x) => sameDiag(x, d))) diagnostics.push(d);
    for (const [k, v] of cand.sources) sources.set(k, v);
    if (!cand.graph) graph = null;
    else {
      const reason =
        version !== undefined
          ? `Version ${version} of the members that have it (the candidate) against the versions served now (the control).`
          : `The candidate graph (${o.candidate}) against the control (${o.path}), on the same inputs.`;
      const merged = mergeCandidate(graph, cand.graph, 'candidate', reason);
      if (merged.comparisons.length === graph.comparisons.length) {
        diagnostics.push(
          diag('M8010', pointAt(resolve(o.cwd, o.candidate)), {
            reason:
              version !== undefined
                ? `no member of the graph has a version ${version} directory that differs from the control`
                : 'the candidate computes the same outputs as the control: nothing to compare',
          }),
        );
        graph = null;
      } else graph = merged;
    }
  }
  if (!graph) return none(diagnostics, sources);
  // `.m4` writes any name in backticks except one holding a backtick or a line break.
  const unwritable = [
    ...graph.inputs.map((i) => ({ name: i.name, span: i.origin })),
    ...graph.steps.flatMap((st) => [...st.feeds, ...st.produces].map((b) => ({ name: b.port, span: b.origin }))),
    ...graph.models.flatMap((m) => [...(m.signature?.inputs ?? []), ...(m.signature?.outputs ?? [])].map((t) => ({ name: t.name, span: m.origin }))),
  ].filter((n) => !isWritableName(n.name));
  for (const n of unwritable)
    diagnostics.push(
      diag('M8003', n.span, {
        field: 'name',
        reason: `${JSON.stringify(n.name)} cannot be written in .m4 (it holds a backtick or a line break, or is empty): rename the tensor`,
      }),
    );
  if (unwritable.length > 0) return none(diagnostics, sources);

  const stem = toIdentifier(o.model ?? graphStem(graph, absPath), 'graph');
  const outFile = o.output === '-' ? null : resolve(o.cwd, o.output ?? `${stem}.m4`);
  const compileAs = outFile ?? resolve(o.cwd, `${stem}.m4`);
  const header = [
    `Imported from ${shorten(graph.title, o.cwd)} by \`${o.command}\`.`,
    'Models are the files the source serves; `m4c check` checks this file, `m4c run FILE --data ROWS.jsonl` runs it.',
  ];
  const finished = finishImport(graph, { compileAs, baseDir: dirname(compileAs), header });
  sources.set(compileAs, finished.text);
  const importerErrorAt = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.span.file}:${d.span.start}`));
  const cycleReported = diagnostics.some((d) => d.code === 'M8009');
  for (const d of finished.diagnostics) {
    if (importerErrorAt.has(`${d.span.file}:${d.span.start}`)) continue;
    if (cycleReported && d.code === 'M5001') continue;
    if (!diagnostics.some((x) => sameDiag(x, d))) diagnostics.push(d);
  }
  // Exit 1 means something to do: a TODO in the file or an error; warnings alone (an unused input) are printed.
  const problems = finished.todos > 0 || diagnostics.some((d) => d.severity === 'error');
  graph.title = shorten(graph.title, o.cwd);
  return {
    exit: problems ? 1 : 0,
    text: finished.text,
    outFile,
    shownName: o.output === '-' ? 'standard output' : (o.output ?? `${stem}.m4`),
    ...relativeTo(o.cwd, diagnostics, sources),
    finished,
    graph,
  };
}

/** Paths under `cwd` as the user would type them: diagnostics and sources keyed by relative path. */
function relativeTo(
  cwd: string,
  diagnostics: Diagnostic[],
  sources: Map<string, string>,
): { diagnostics: Diagnostic[]; sources: Map<string, string> } {
  const rel = (f: string) => (f.startsWith(`${cwd}/`) ? relative(cwd, f) : f);
  const ds = diagnostics.map((d) => ({
    ...d,
    message: shorten(d.message, cwd),
    span: { ...d.span, file: rel(d.span.file) },
    ...(d.related ? { related: d.related.map((r) => ({ ...r, span: { ...r.span, file: rel(r.span.file) } })) } : {}),
  }));
  return { diagnostics: ds, sources: new Map([...sources].map(([k, v]) => [rel(k), v])) };
}

function shorten(text: string, cwd: string): string {
  return text.split(`${cwd}/`).join('');
}

function graphStem(g: ImportGraph, path: string): string {
  const named = /`([^`]+)`/.exec(g.title)?.[1];
  return named ?? basename(path).replace(/\.[^.]*$/, '');
}

function sameDiag(a: Diagnostic, b: Diagnostic): boolean {
  return a.code === b.code && a.span.file === b.span.file && a.span.start === b.span.start && a.message === b.message;
}

function pointAt(file: string): Diagnostic['span'] {
  return { file, start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 };
}
