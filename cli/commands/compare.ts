/**
 * `m4c compare --data FILE --control COL --treatment COL ...`: the comparison block without a graph, for
 * predictions a team already has. The columns become the inputs of a one-comparison plan, so the
 * rows go through the same sources, accumulators, report, gates and sinks as `m4c run` — and
 * `--shard I/N --state FILE` plus `m4c merge` split it the same way.
 *
 * Exit codes: 0 every gate passed, 1 a gate failed, 2 usage error (bad flags, unknown column, bad
 * gate), 3 runtime error (unreadable data with --on-bad-row fail, a sink or state file that cannot
 * be written), 130 interrupted.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { checkGateText } from '../../compiler/compare-check.ts';
import { didYouMean } from '../../compiler/did-you-mean.ts';
import { planHash } from '../../plan/plan-hash.ts';
import type { Plan, PlanComparison, PlanGate, PlanInput, PlanNode, PlanSpan, PlanTask } from '../../plan/plan-types.ts';
import { PLAN_FORMAT_VERSION, M4_VERSION } from '../../plan/version.ts';
import { defaultMetrics, metricProblem } from '../../stdlib/metrics/catalogue.ts';
import type { DType, Dim } from '../../plan/tensor-type.ts';
import { publishOutcome } from '../../runtime/comparison-publish.ts';
import { createComparisonRun } from '../../runtime/comparison-run.ts';
import { colorFor, isReportFormat, REPORT_FORMATS, type ReportFormat } from '../../runtime/report/render-report.ts';
import { runMeta } from '../../runtime/run-meta.ts';
import { openRunSinks, type RunSinks } from '../../runtime/sinks/run-sinks.ts';
import { inspectSample, openSource, type SampleField, type SampleInfo } from '../../runtime/sources/index.ts';
import { writeStateFile } from '../../runtime/state-file.ts';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { setCommandExit } from '../program.ts';

interface CompareOptions {
  data: string;
  control: string;
  treatment: string;
  label?: string;
  task: PlanTask['kind'];
  threshold?: number;
  topK?: number;
  sliceBy?: string;
  metrics?: string;
  gate: string[];
  bootstrap: number;
  seed: number;
  maxSlices: number;
  name: string;
  format: string;
  db?: string;
  shard?: { index: number; count: number };
  state?: string;
  batchSize: number;
  onBadRow: 'skip' | 'fail';
}

const SAMPLE_ROWS = 200;

function intAtLeast(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

/** `2/3` → index 1 of 3 (shards are numbered from 1 on the command line). */
export function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const i = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(i >= 1 && i <= n)) throw new InvalidArgumentError('expected I/N with 1 <= I <= N, e.g. 2/3');
  return { index: i - 1, count: n };
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare two columns of predictions you already have: the metrics, statistics, report, gates and sinks of a compare block, without a graph')
    .requiredOption('--data <file>', 'rows: .jsonl, .ndjson or .csv (optionally .gz), .parquet, or Arrow IPC (.arrow)')
    .requiredOption('--control <col>', 'the control predictions: a field holding a number or a list (a probability row); dots reach nested fields')
    .requiredOption('--treatment <col>', 'the treatment predictions, shaped like --control')
    .option('--label <col>', 'the true label (binary 0/1, class index, or regression target)')
    .addOption(new Option('--task <task>', 'what the predictions are').choices(['binary', 'multiclass', 'regression']).makeOptionMandatory())
    .option('--threshold <t>', 'binary: predicted positive iff score >= t (default 0.5)', finiteNumber)
    .option('--top-k <k>', 'multiclass: k of top_k_accuracy (default 2)', intAtLeast(1))
    .option('--slice-by <col>', 'a category per row: every metric is also computed per value')
    .option('--metrics <list>', 'comma-separated metric names (default: the task\'s usual set)')
    .option('--gate <gate>', 'a release gate, as in a compare block: "auroc.delta >= -0.01 at 95%" (repeatable)', collect, [])
    .option('--bootstrap <n>', 'paired bootstrap resamples for intervals, 0 to disable', intAtLeast(0), 1000)
    .option('--seed <s>', 'bootstrap seed', intAtLeast(0), 0)
    .option('--max-slices <n>', 'slices shown individually; the rest fold into (other)', intAtLeast(1), 50)
    .option('--name <name>', 'the comparison\'s name in the report and the database', 'compare')
    .option('--format <format>', `report format: ${REPORT_FORMATS.join(', ')}`, 'human')
    .option('--db <path>', 'also write the run to this SQLite database (created if missing)')
    .option('--shard <I/N>', 'read only the I-th of N interleaved parts of the rows (with --state; combine with m4c merge)', parseShard)
    .option('--state <file>', 'write the accumulator state here, for m4c merge')
    .option('--batch-size <n>', 'rows per batch', intAtLeast(1), 4096)
    .addOption(new Option('--on-bad-row <mode>', 'skip malformed rows (counted) or stop at the first').choices(['skip', 'fail']).default('skip'))
    .addHelpText('after', `
Examples:
  $ m4c compare --data preds.jsonl --control v1.score --treatment v2.score --label y --task binary \\
      --gate "auroc.delta >= -0.01 at 95%" --gate "agreement >= 0.97"
  $ m4c compare --data preds.csv --control p_old --treatment p_new --task binary --format json
  $ m4c compare --data preds.jsonl --control old_probs --treatment new_probs --label cls --task multiclass --top-k 3
  $ m4c compare --data preds.jsonl ... --shard 2/3 --state shard-2.json     # then: m4c merge shard-*.json

Exit codes: 0 all gates pass, 1 a gate failed, 2 usage error, 3 runtime error, 130 interrupted.`)
    .action(async (opts: CompareOptions, cmd: Command) => {
      setCommandExit(cmd, await compareCommand(opts));
    });
}

function checkFlags(o: CompareOptions): ReportFormat {
  if (!isReportFormat(o.format)) throw new CliError(`unknown --format ${JSON.stringify(o.format)}: use ${REPORT_FORMATS.join(', ')}`);
  if (o.threshold !== undefined && o.task !== 'binary') throw new CliError('--threshold applies to --task binary only');
  if (o.topK !== undefined && o.task !== 'multiclass') throw new CliError('--top-k applies to --task multiclass only');
  if (o.bootstrap === 1) throw new CliError('--bootstrap needs at least 2 resamples (or 0 to disable it)');
  if (o.shard !== undefined && o.state === undefined) throw new CliError('--shard needs --state FILE: a shard\'s results only make sense merged (m4c merge)');
  if (o.shard !== undefined && o.db !== undefined) throw new CliError('a shard writes no record: give --db to `m4c merge` instead');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.name)) throw new CliError(`--name ${JSON.stringify(o.name)} must be an identifier (letters, digits, _)`);
  return o.format;
}

/** The sampled field a column names (`a.b` reaches nested JSON; a CSV header may itself contain dots). */
function findField(info: SampleInfo, col: string, flag: string, data: string): SampleField {
  const f = info.fields.find((x) => x.path.join('.') === col);
  if (f !== undefined) return f;
  const names = info.fields.map((x) => x.path.join('.'));
  const guess = didYouMean(col, names);
  const list = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ');
  throw new CliError(`${flag} ${col}: no such field in the first ${info.rows} rows of ${data}${guess ? ` (did you mean ${guess}?)` : ''}; fields: ${list || 'none'}`);
}

function isNumericKind(f: SampleField): boolean {
  return f.kind === 'float' || f.kind === 'integer' || f.kind === 'bool';
}

/** The input type of a prediction column for the task: a score, a probability row, or a value. */
function predictionDims(f: SampleField, flag: string, col: string, task: PlanTask['kind']): Dim[] {
  if (!isNumericKind(f)) throw new CliError(`${flag} ${col} holds ${f.kind} values; predictions must be numbers or lists of numbers`);
  // Lists of varying length (or some null rows) in the sample: read rows as lists; the source skips
  // the rows whose length differs from the first good row's, and counts them.
  if (f.shape === null) {
    if (task === 'regression') throw new CliError(`${flag} ${col} holds lists or values of varying shape; a regression task needs one value per row`);
    return ['batch', null];
  }
  if (f.shape.length > 1) throw new CliError(`${flag} ${col} holds nested lists (shape [${f.shape.join(', ')}]); give a number or a flat list per row`);
  const width = f.shape.length === 0 ? 1 : f.shape[0]!;
  if (task === 'binary' && width > 2) throw new CliError(`${flag} ${col} holds lists of ${width} values; a binary task needs a score or a [p0, p1] row per input`);
  if (task === 'multiclass' && width < 2) throw new CliError(`${flag} ${col} holds one value per row; a multiclass task needs a probability row per input (a list of k >= 2 values)`);
  if (task === 'regression' && f.shape.length > 0) throw new CliError(`${flag} ${col} holds lists; a regression task needs one value per row`);
  return f.shape.length === 0 ? ['batch'] : ['batch', width];
}

const SPAN: PlanSpan = { file: 'm4c compare', line: 1, column: 1, endLine: 1, endColumn: 1 };

function input(name: string, f: SampleField, dtype: DType, dims: Dim[]): { input: PlanInput; node: PlanNode } {
  const type = { dtype, dims };
  return {
    input: { name, type, optional: false, source: { kind: 'field', path: [...f.path] }, span: SPAN },
    node: { id: name, kind: 'input', input: name, outputs: [{ name: 'out', type }], span: SPAN },
  };
}

/** A one-comparison plan reading the columns: the same contract `m4c run` executes. */
export function comparePlan(o: CompareOptions, info: SampleInfo): Plan {
  const task: PlanTask = o.task === 'binary' ? { kind: 'binary', threshold: o.threshold ?? 0.5 }
    : o.task === 'multiclass' ? { kind: 'multiclass', top_k: o.topK ?? 2 }
    : { kind: 'regression' };
  const fc = findField(info, o.control, '--control', o.data);
  const ft = findField(info, o.treatment, '--treatment', o.data);
  const dc = predictionDims(fc, '--control', o.control, task.kind);
  const dt = predictionDims(ft, '--treatment', o.treatment, task.kind);
  if (JSON.stringify(dc) !== JSON.stringify(dt)) throw new CliError(`--control ${o.control} and --treatment ${o.treatment} differ in shape ([${dc.slice(1).join(', ')}] vs [${dt.slice(1).join(', ')}])`);
  const parts = [input('control', fc, 'f64', dc), input('treatment', ft, 'f64', dt)];
  if (o.label !== undefined) {
    const fl = findField(info, o.label, '--label', o.data);
    if (!isNumericKind(fl) || (fl.shape !== null && fl.shape.length > 0)) throw new CliError(`--label ${o.label} must hold one number (or true/false) per row`);
    parts.push(input('label', fl, fl.kind === 'bool' ? 'bool' : 'f64', ['batch']));
  }
  if (o.sliceBy !== undefined) {
    const fs = findField(info, o.sliceBy, '--slice-by', o.data);
    if (fs.shape !== null && fs.shape.length > 0) throw new CliError(`--slice-by ${o.sliceBy} must hold one value per row, not a list`);
    parts.push(input('slice', fs, 'str', ['batch']));
  }
  const hasLabel = o.label !== undefined;
  let metrics = o.metrics !== undefined ? o.metrics.split(',').map((s) => s.trim()).filter((s) => s !== '') : defaultMetrics(task, hasLabel);
  for (const m of metrics) {
    const problem = metricProblem(m, task.kind, hasLabel);
    if (problem !== null) throw new CliError(`--metrics: ${problem}`);
  }
  metrics = [...new Set(metrics)];
  const gates: PlanGate[] = o.gate.map((text) => {
    const { gate, diagnostics } = checkGateText(text, task, hasLabel, o.bootstrap);
    const d = diagnostics.find((x) => x.severity === 'error');
    if (gate === undefined || d !== undefined) {
      const msg = d ? `${d.message.replace(/^invalid gate: /, '')}${d.help ? ` (${d.help})` : ''}` : 'cannot parse it';
      throw new CliError(`--gate ${JSON.stringify(text)}: ${msg}`);
    }
    if (!metrics.includes(gate.metric)) metrics.push(gate.metric);
    const s = gate.span;
    return { text: gate.text, metric: gate.metric, field: gate.field, op: gate.op, bound: gate.bound, confidence: gate.confidence, span: { file: s.file, line: s.line, column: s.column, endLine: s.endLine, endColumn: s.endColumn } };
  });
  const ref = (node: string) => ({ node, output: 'out' });
  const comparison: PlanComparison = {
    name: o.name,
    control: ref('control'),
    treatment: ref('treatment'),
    label: hasLabel ? ref('label') : null,
    slice_by: o.sliceBy !== undefined ? ref('slice') : null,
    task,
    metrics,
    gates,
    sinks: [],
    options: { bootstrap: o.bootstrap, seed: o.seed, confidence: 0.95, max_slices: o.maxSlices },
    span: SPAN,
  };
  const body = { inputs: parts.map((p) => p.input), models: [], nodes: parts.map((p) => p.node), edges: [], comparisons: [comparison], outputs: [] };
  return {
    format_version: PLAN_FORMAT_VERSION,
    m4_version: M4_VERSION,
    source: { file: 'm4c compare', sha256: createHash('sha256').update(JSON.stringify(body)).digest('hex') },
    plan_hash: planHash(body),
    ...body,
  };
}

async function sample(data: string): Promise<SampleInfo> {
  const info = await inspectSample(data, SAMPLE_ROWS);
  if (info.rows === 0) throw new CliError(`${data}: no readable rows in the first ${SAMPLE_ROWS} lines`);
  return info;
}

async function compareCommand(o: CompareOptions): Promise<number> {
  const format = checkFlags(o);
  const plan = comparePlan(o, await sample(o.data));
  const run = createComparisonRun(plan, { shard: o.shard });
  let sinks: RunSinks | null = null;
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.on('SIGINT', onSigint);
  const startedAt = new Date();
  try {
    if (o.db !== undefined) sinks = openRunSinks(run.subject, { db: o.db });
    const source = openSource(o.data, { inputs: plan.inputs, batchSize: o.batchSize, onBadRow: o.onBadRow, shard: o.shard, signal: abort.signal });
    const name = plan.comparisons[0]!.name;
    try {
      for await (const b of source) {
        const t = b.tensors;
        run.onBatch(name, { control: t.control!, treatment: t.treatment!, label: t.label, slice: t.slice, rowIds: b.rowIds });
      }
    } finally {
      await source.close();
    }
    const meta = runMeta(run.subject, {
      dataPath: o.data, stats: source.stats, startedAt, endedAt: new Date(), shard: o.shard ?? null, interrupted: abort.signal.aborted,
    });
    if (o.state !== undefined) writeStateFile(o.state, run, meta);
    if (o.shard !== undefined) {
      // A shard's gates would be judged on part of the data: only the merge reports and records.
      // Exit 0 so job runners do not retry a shard whose partial metrics look bad.
      process.stderr.write(`m4c compare: shard ${o.shard.index + 1}/${o.shard.count}: ${meta.rows_seen} rows read, state written to ${o.state}${meta.interrupted ? ' (INTERRUPTED: merge will refuse it)' : ''}; combine all shards with \`m4c merge\`\n`);
      return meta.interrupted ? EXIT.interrupted : EXIT.ok;
    }
    const outcome = run.finish(meta);
    await publishOutcome(outcome, { format, color: format === 'human' && colorFor(process.stdout), sinks });
    return outcome.exitCode;
  } finally {
    process.off('SIGINT', onSigint);
    sinks?.close();
  }
}
