/**
 * The language server under edits (issue 5), as editors run it: `node --expose-gc bin/m4c.js lsp` in its own
 * process, JSON-RPC over stdio.
 *
 *     npx tsx bench/lsp.ts [--edits 50] [--memory-edits 1000] [--lines 2000] [--edit typo,body] [--other DIR]
 *
 * 1. Latency: on a generated 2,000-line file (inputs, two ONNX models, a chain of ops, compare blocks),
 *    one didChange at a time after a quiet spell (what a user's single edit is), timed from sending the
 *    change to receiving its publishDiagnostics: median and p95 over 50 edits (targets: median < 50 ms, p95 < 100 ms), and the
 *    server's own CPU time per edit (from `m4/memoryUsage`; on a loaded machine the latency mostly measures waiting for a
 *    core). Two kinds of edit (`--edit`): `typo` (a reference mistyped and fixed: the types downstream change)
 *    and `body` (a parameter's value: no type changes). `--other DIR` measures DIR's server (another checkout,
 *    e.g. main's, used read-only) in the same run, after this tree's, on the same file and edits. Baseline in the same run:
 *    compiling the same text in this process (the part no server can skip).
 *    Where an edit's time goes (this tree, in this process, CPU time): the same edits applied to a TextDocument,
 *    the incremental parse alone, the whole incremental check (`CheckSession.update`, parse included) and the
 *    diagnostics' conversion to LSP and JSON; with what the check visited (compiler/incremental.ts UpdateStats).
 * 2. Memory: the server's heapUsed after a full GC (`m4/memoryUsage` with --expose-gc), and its RSS, after
 *    10 edits and after 1,000 (in bursts of 10, as typing sends them); target: ratio < 1.5.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { compileSource } from '../compiler/compile.ts';
import { CheckSession } from '../compiler/incremental.ts';
import { IncrementalParser } from '../grammar/incremental-parse.ts';
import { lspDiagnostics } from '../lsp/diagnostics.ts';

const ROOT = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const EDITS = arg('--edits', 50);
const MEMORY_EDITS = arg('--memory-edits', 1000);
const LINES = arg('--lines', 2000);
const strArg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
/** Another tree (e.g. main's) whose server is measured in the same run, on the same file and edits. */
const OTHER = strArg('--other');
const KINDS = (strArg('--edit') ?? 'typo,body').split(',') as ('typo' | 'body')[];
if (KINDS.some((k) => k !== 'typo' && k !== 'body')) throw new Error('--edit takes typo, body or typo,body');
const DEBOUNCE_MS = 150;

/** A graph of about `lines` lines that compiles without errors. */
function generate(lines: number): string {
  const out = [
    '// generated for bench/lsp.ts',
    'input tx: f32[batch, 30]',
    'input label: i64[batch] optional',
    'input region: str[batch]',
    'model v1 = onnx("models/fraud-v1.onnx")',
    'model v2 = onnx("models/fraud-v2.onnx")',
    'node n0 = clip(tx, min: -6.0, max: 6.0)',
  ];
  const compares = Math.max(1, Math.floor(lines / 200));
  const body = lines - out.length - compares * 10 - 2;
  const ops = [
    'standardize(n{p}, mean: 0.0, std: 1.0)',
    'clip(n{p}, min: -5.0, max: 5.0)',
    'mul(n{p}, by: 0.5)',
    'mean(n{p}, n{q})',
    'add(n{p}, tx)',
  ];
  for (let i = 1; i < body; i++) {
    out.push(`node n${i} = ${ops[i % ops.length]!.replace('{p}', String(i - 1)).replace('{q}', String(Math.max(0, i - 5)))}`);
  }
  const last = body - 1;
  for (let c = 0; c < compares; c++) {
    const src = Math.floor(((c + 1) * last) / compares);
    out.push(
      `compare ab${c} {`,
      `  control:   column(v1(x: n${src}).probabilities, index: 1)`,
      `  treatment: column(v2(x: n${src}).probabilities, index: 1)`,
      '  label:     label',
      '  task:      binary(threshold: 0.5)',
      '  metrics:   [accuracy, auroc, agreement]',
      '  slice_by:  region',
      '  gate auroc.delta >= -0.005',
      `  sink jsonl("results/ab${c}.jsonl")`,
      '}',
    );
  }
  out.push(`output score = n${last}`);
  return `${out.join('\n')}\n`;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'm4-bench-lsp-'));
mkdirSync(join(dir, 'models'));
for (const m of ['fraud-v1.onnx', 'fraud-v2.onnx']) copyFileSync(join(ROOT, 'examples/fraud/models', m), join(dir, 'models', m));
const file = join(dir, 'big.m4');
const uri = pathToFileURL(file).href;
const text = generate(LINES);
const lineCount = text.split('\n').length - 1;

// Baseline: the compiler alone, in this process, on the same text.
const baseline: number[] = [];
for (let i = 0; i < 15; i++) {
  const t0 = performance.now();
  const c = compileSource(text, file, { noPlan: true });
  baseline.push(performance.now() - t0);
  if (i === 0 && c.diagnostics.some((d) => d.severity === 'error')) throw new Error(`the generated file has errors: ${c.diagnostics[0]!.message}`);
}

type Memory = { heapUsed: number; rss: number; afterGc: boolean; cpuMicros?: number };

/** A language server in its own process: `node --expose-gc ROOT/bin/m4c.js lsp`, with the bench's document open. */
async function startServer(root: string) {
  const child = spawn(process.execPath, ['--expose-gc', join(root, 'bin/m4c.js'), 'lsp'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const waiting = new Map<number, (errors: number) => void>();
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: { severity?: number }[] }) => {
    if (p.uri !== uri || p.version === undefined) return;
    waiting.get(p.version)?.(p.diagnostics.filter((d) => d.severity === 1).length);
    waiting.delete(p.version);
  });
  rpc.listen();
  const diagnosticsOf = (version: number) => new Promise<number>((resolve) => waiting.set(version, resolve));
  await rpc.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await rpc.sendNotification('initialized', {});
  let version = 1;
  const opened = diagnosticsOf(version);
  await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'm4', version, text } });
  await opened;
  const memory = (collect = true) => rpc.sendRequest('m4/memoryUsage', { collect }) as Promise<Memory>;
  return {
    diagnosticsOf,
    memory,
    nextVersion: () => ++version,
    change: (v: number, c: unknown) => rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [c] }),
    async stop(): Promise<number | null> {
      await rpc.sendRequest('shutdown');
      await rpc.sendNotification('exit');
      return new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    },
  };
}

/**
 * The edits, each sent alternately broken/changed and back:
 * - `typo`: on line 500, a reference mistyped (an unknown name) and fixed — a type change: everything
 *   downstream of the node loses its type, then gets it back;
 * - `body`: on the first `clip` line from line 500, a parameter's value changed and back — the node's type
 *   stays, so nothing reading it changes.
 */
const lines = text.split('\n');
const typoLine = 500 < lines.length - 1 ? 500 : Math.floor(lines.length / 2);
const nameAt = lines[typoLine]!.indexOf('(') + 1;
const bodyLine = lines.findIndex((l, i) => i >= typoLine && l.includes('clip(') && l.includes('-5.0'));
const bodyAt = lines[bodyLine]!.indexOf('-5.0');
function change(kind: 'typo' | 'body', changed: boolean) {
  if (kind === 'typo') {
    const start = { line: typoLine, character: nameAt };
    return { range: { start, end: { line: typoLine, character: nameAt + (changed ? 1 : 2) } }, text: changed ? 'nx' : 'n' };
  }
  const start = { line: bodyLine, character: bodyAt };
  return { range: { start, end: { line: bodyLine, character: bodyAt + 4 } }, text: changed ? '-4.0' : '-5.0' };
}

/** One didChange at a time after a quiet spell: latency to its diagnostics, and the server's CPU per edit. */
async function latency(root: string, kind: 'typo' | 'body') {
  const server = await startServer(root);
  const cpuBefore = (await server.memory(false)).cpuMicros;
  const latencies: number[] = [];
  let errorsSeen = 0;
  for (let i = 0; i < EDITS; i++) {
    await sleep(DEBOUNCE_MS + 30); // a quiet spell: the edit is checked at once
    const v = server.nextVersion();
    const published = server.diagnosticsOf(v);
    const t0 = performance.now();
    await server.change(v, change(kind, i % 2 === 0));
    const errors = await published;
    latencies.push(performance.now() - t0);
    if (errors > 0) errorsSeen++;
  }
  const expected = kind === 'typo' ? Math.ceil(EDITS / 2) : 0;
  if (errorsSeen !== expected) throw new Error(`${kind} edits on ${root}: expected ${expected} edits with errors, got ${errorsSeen} of ${EDITS}`);
  const cpuAfter = (await server.memory(false)).cpuMicros;
  const code = await server.stop();
  return {
    med: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    cpu: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / 1000 / EDITS : undefined,
    code,
  };
}

const roots: [string, string][] = [['this tree', ROOT]];
if (OTHER) roots.push([`--other ${OTHER}`, OTHER]);
console.log(`npx tsx bench/lsp.ts ${args.join(' ')}`);
console.log(
  `file: ${lineCount} lines, ${(text.length / 1024).toFixed(0)} KB; server: node --expose-gc ROOT/bin/m4c.js lsp; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (const kind of KINDS) {
  for (const [label, root] of roots) {
    const r = await latency(root, kind);
    console.log(
      `${kind} edits (${kind === 'typo' ? 'a type change downstream' : 'a body only'}), ${label}: didChange → publishDiagnostics over ${EDITS} edits: median ${r.med.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms${
        r.cpu === undefined ? '' : `; server CPU ${r.cpu.toFixed(1)} ms per edit`
      } (exit code ${r.code})`,
    );
  }
}
console.log(`  targets on the default 2,000-line file: median < 50 ms, p95 < 100 ms`);

/** CPU milliseconds of `f` in this process (waiting for a core on a loaded machine is not counted). */
function cpu<T>(f: () => T): [T, number] {
  const c0 = process.cpuUsage();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / 1000];
}
for (const kind of KINDS) {
  const session = new CheckSession(file);
  const parser = new IncrementalParser(file);
  let doc = TextDocument.create(uri, 'm4', 1, text);
  session.update(text, { noPlan: true });
  parser.parse(text);
  const parts = { document: [] as number[], parse: [] as number[], check: [] as number[], diagnostics: [] as number[] };
  for (let i = 0; i < EDITS; i++) {
    const [t, d] = cpu(() => {
      doc = TextDocument.update(doc, [change(kind, i % 2 === 0)], i + 2);
      return doc.getText();
    });
    parts.document.push(d);
    parts.parse.push(cpu(() => parser.parse(t))[1]);
    const [comp, c] = cpu(() => session.update(t, { noPlan: true }));
    parts.check.push(c);
    const [, j] = cpu(() => JSON.stringify(lspDiagnostics({ uri, doc, file, comp })));
    parts.diagnostics.push(j);
  }
  const { mode, fast, checked, reused, compareChecks, deadEndsVisited, repointed, slowReason } = session.stats;
  const med = (xs: number[]) => quantile(xs, 0.5).toFixed(1);
  console.log(
    `  where a ${kind} edit goes (this tree, in process, CPU ms, median of ${EDITS}): document ${med(parts.document)}, parse alone ${med(parts.parse)}, ` +
      `check with its parse ${med(parts.check)}, diagnostics to LSP JSON ${med(parts.diagnostics)}; last edit: ${mode}${fast ? ' (fast path)' : slowReason ? ` (${slowReason})` : ''}, ` +
      `${checked} checked, ${reused} reused, ${repointed} pointed again, ${compareChecks} compare blocks checked, ${deadEndsVisited} dead-end checks`,
  );
}
console.log(
  `  baseline, compileSource of the same text in this process: median ${quantile(baseline, 0.5).toFixed(1)} ms, p95 ${quantile(baseline, 0.95).toFixed(1)} ms`,
);

// Memory: 10 edits (typo and fix), then the rest in bursts of 10, as typing sends them.
if (MEMORY_EDITS > 0) {
  const server = await startServer(ROOT);
  let changed = false;
  async function burst(n: number): Promise<void> {
    let last = 0;
    for (let i = 0; i < n; i++) {
      last = server.nextVersion();
      changed = !changed;
      void server.change(last, change('typo', changed));
    }
    // An even number of edits leaves the text as it was; wait until the last version is published.
    await server.diagnosticsOf(last);
  }
  await burst(10);
  const after10 = await server.memory();
  let done = 10;
  while (done < MEMORY_EDITS) {
    await burst(10);
    done += 10;
  }
  const after1000 = await server.memory();
  await server.stop();
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  console.log(
    `memory (this tree), heapUsed after GC${after10.afterGc ? '' : ' (no --expose-gc: not collected)'}: after 10 edits ${mb(after10.heapUsed)}, after ${done} edits ${mb(after1000.heapUsed)}, ratio ${(after1000.heapUsed / after10.heapUsed).toFixed(2)} (target < 1.5)`,
  );
  console.log(
    `  RSS: after 10 edits ${mb(after10.rss)}, after ${done} edits ${mb(after1000.rss)}, ratio ${(after1000.rss / after10.rss).toFixed(2)}`,
  );
}
