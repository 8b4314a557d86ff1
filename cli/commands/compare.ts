/**
 * `m4c compare --data FILE --control COL --treatment COL ...`: the comparison block without a graph, for
 * predictions a team already has. The columns become the inputs of a generated one-comparison graph,
 * compiled like any `.m4` file and replayed by the same entry point as `m4c run` (sources, accumulators,
 * report, gates, sinks, Ctrl-C) — and `--shard I/N --state FILE` plus `m4c merge` split it the same way.
 *
 * Exit codes: 0 every gate passed, 1 a gate failed, 2 usage error (bad flags, unknown column, bad
 * gate), 3 runtime error (unreadable data with --on-bad-row fail, a sink or state file that cannot
 * be written), 130 interrupted.
 */
import { statSync } from 'node:fs';
import { isIdentifier } from '../../grammar/language.ts';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { compileSource } from '../../compiler/compile.ts';
import { checkGateText } from '../../compiler/compare-check.ts';
import { didYouMean } from '../../compiler/did-you-mean.ts';
import type { PlanTask } from '../../plan/plan-types.ts';
import { loadPlan, type LoadedPlan } from '../../runtime/plan-load.ts';
import { replayComparisons } from '../../runtime/replay.ts';
import { colorFor, isReportFormat, REPORT_FORMATS, type ReportFormat } from '../../runtime/report/render-report.ts';
import { COLUMNAR_BATCH_SIZE, inspectSample, isColumnarData, type SampleField, type SampleInfo } from '../../runtime/sources/index.ts';
import { defaultMetrics, metricProblem } from '../../stdlib/metrics/catalogue.ts';
import { storeOption } from '../db-option.ts';
import { CliError } from '../exit-codes.ts';
import { Progress, replaySummary } from '../replay-output.ts';
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
  batchSize?: number;
  onBadRow: 'skip' | 'fail';
}

/** Rows sampled from a regular file to check column names (not types). */
const SAMPLE_ROWS = 200;

/** The name the generated graph's spans carry. */
const COMPARE_FILE = 'm4c compare';

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
  const i = m ? Number(m[1]) : NaN,
    n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(i >= 1 && i <= n)) throw new InvalidArgumentError('expected I/N with 1 <= I <= N, e.g. 2/3');
  return { index: i - 1, count: n };
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function register(program: Command): void {
  program
    .command('compare')
    .description(
      'compare two columns of predictions you already have: the metrics, statistics, report, gates and sinks of a compare block, without a graph',
    )
    .requiredOption(
      '--data <file>',
      'rows: .jsonl, .ndjson or .csv (optionally .gz), .parquet, Arrow IPC (.arrow, .arrows, .feather, .ipc), a named pipe, or - for standard input (JSONL)',
    )
    .requiredOption('--control <col>', 'the control predictions: a field holding a number or a list (a probability row); dots reach nested fields')
    .requiredOption('--treatment <col>', 'the treatment predictions, shaped like --control')
    .option('--label <col>', 'the true label (binary 0/1, class index, or regression target)')
    .addOption(new Option('--task <task>', 'what the predictions are').choices(['binary', 'multiclass', 'regression']).makeOptionMandatory())
    .option('--threshold <t>', 'binary: predicted positive iff score >= t (default 0.5)', finiteNumber)
    .option('--top-k <k>', 'multiclass: k of top_k_accuracy (default 2)', intAtLeast(1))
    .option('--slice-by <col>', 'a category per row: every metric is also computed per value')
    .option('--metrics <list>', "comma-separated metric names (default: the task's usual set)")
    .option('--gate <gate>', 'a release gate, as in a compare block: "auroc.delta >= -0.01 at 95%" (repeatable)', collect, [])
    .option('--bootstrap <n>', 'paired bootstrap resamples for intervals, 0 to disable', intAtLeast(0), 1000)
    .option('--seed <s>', 'bootstrap seed', intAtLeast(0), 0)
    .option('--max-slices <n>', 'slices shown individually; the rest fold into (other)', intAtLeast(1), 50)
    .option('--name <name>', "the comparison's name in the report and the database", 'compare')
    .option('--format <format>', `report format: ${REPORT_FORMATS.join(', ')}`, 'human')
    .option('--db <path|url>', 'also write the run to this SQLite file (created if missing) or postgres:// database', storeOption)
    .option(
      '--shard <I/N>',
      'read only the I-th of N parts of the rows: interleaved rows, or whole row groups of a Parquet or Arrow IPC file that has at least N (with --state; combine with m4c merge)',
      parseShard,
    )
    .option('--state <file>', 'write the accumulator state here, for m4c merge')
    .option('--batch-size <n>', `rows per batch (default 4096; ${COLUMNAR_BATCH_SIZE} from Parquet and Arrow IPC files)`, intAtLeast(1))
    .addOption(new Option('--on-bad-row <mode>', 'skip malformed rows (counted) or stop at the first').choices(['skip', 'fail']).default('skip'))
    .addHelpText(
      'after',
      `
Examples:
  $ m4c compare --data preds.jsonl --control v1.score --treatment v2.score --label y --task binary \\
      --gate "auroc.delta >= -0.01 at 95%" --gate "agreement >= 0.97"
  $ m4c compare --data preds.csv --control p_old --treatment p_new --task binary --format json
  $ m4c compare --data preds.jsonl --control old_probs --treatment new_probs --label cls --task multiclass --top-k 3
  $ m4c compare --data preds.jsonl ... --shard 2/3 --state shard-2.json     # then: m4c merge shard-*.json

Exit codes: 0 all gates pass, 1 a gate failed, 2 usage error, 3 runtime error, 130 interrupted.`,
    )
    .action(async (opts: CompareOptions, cmd: Command) => {
      setCommandExit(cmd, await compareCommand(opts));
    });
}

function checkFlags(o: CompareOptions): ReportFormat {
  if (!isReportFormat(o.format)) throw new CliError(`unknown --format ${JSON.stringify(o.format)}: use ${REPORT_FORMATS.join(', ')}`);
  if (o.threshold !== undefined && o.task !== 'binary') throw new CliError('--threshold applies to --task binary only');
  if (o.topK !== undefined && o.task !== 'multiclass') throw new CliError('--top-k applies to --task multiclass only');
  if (o.bootstrap === 1) throw new CliError('--bootstrap needs at least 2 resamples (or 0 to disable it)');
  if (o.shard !== undefined && o.state === undefined)
    throw new CliError("--shard needs --state FILE: a shard's results only make sense merged (m4c merge)");
  if (o.shard !== undefined && o.db !== undefined) throw new CliError('a shard writes no record: give --db to `m4c merge` instead');
  if (!isIdentifier(o.name)) throw new CliError(`--name ${JSON.stringify(o.name)} must be an identifier (letters, digits, _)`);
  return o.format;
}

/**
 * The columns a regular file's first rows hold (the CSV header, the first JSONL records): used only to
 * catch a misspelt column before reading the file and to tell a binary score from a `[p0, p1]` row,
 * never for element types (the task declares those). A pipe or standard input is not sampled: it can be
 * read only once.
 */
async function columnsOf(data: string): Promise<SampleInfo | null> {
  if (data === '-') return null;
  try {
    if (!statSync(data).isFile()) return null;
  } catch {
    return null; // the source reports a missing file in its own words
  }
  const info = await inspectSample(data, SAMPLE_ROWS);
  return info.rows === 0 ? null : info;
}

/** The sampled field a column names (`a.b` reaches nested JSON; a CSV header may itself contain dots). */
function findField(info: SampleInfo, col: string, flag: string, data: string): SampleField {
  const f = info.fields.find((x) => x.path.join('.') === col);
  if (f !== undefined) return f;
  const names = info.fields.map((x) => x.path.join('.'));
  const guess = didYouMean(col, names);
  const list = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ');
  throw new CliError(
    `${flag} ${col}: no such field in the first ${info.rows} rows of ${data}${guess ? ` (did you mean ${guess}?)` : ''}; fields: ${list || 'none'}`,
  );
}

/**
 * The input type of a prediction column, from the task: a score or value per row, or a probability row
 * whose width the first good row fixes. The sample (a regular file's first rows) only refuses a column
 * whose every sampled value contradicts the task, and tells a binary score from a `[p0, p1]` row; values
 * that vary are left to the source, which counts the rows that do not fit by reason.
 */
function predictionType(task: PlanTask['kind'], f: SampleField | null, flag: string, col: string): string {
  const scalar = 'f64[batch]';
  if (f === null || f.kind === 'mixed' || f.kind === 'null' || f.shape === null) return task === 'multiclass' ? 'f64[batch, ?]' : scalar;
  if (!(f.kind === 'float' || f.kind === 'integer' || f.kind === 'bool'))
    throw new CliError(`${flag} ${col} holds ${f.kind} values; predictions must be numbers or lists of numbers`);
  if (f.shape.length > 1)
    throw new CliError(`${flag} ${col} holds nested lists (shape [${f.shape.join(', ')}]); give a number or a flat list per row`);
  const width = f.shape.length === 0 ? 1 : f.shape[0]!;
  if (task === 'binary' && width > 2)
    throw new CliError(`${flag} ${col} holds lists of ${width} values; a binary task needs a score or a [p0, p1] row per input`);
  if (task === 'multiclass' && width < 2)
    throw new CliError(`${flag} ${col} holds one value per row; a multiclass task needs a probability row per input (a list of k >= 2 values)`);
  if (task === 'regression' && f.shape.length > 0) throw new CliError(`${flag} ${col} holds lists; a regression task needs one value per row`);
  if (task === 'multiclass') return 'f64[batch, ?]';
  return f.shape.length === 0 ? scalar : `f64[batch, ${width}]`;
}

/** The task as the language writes it. */
function taskText(o: CompareOptions): string {
  if (o.task === 'binary') return `binary(threshold: ${o.threshold ?? 0.5})`;
  if (o.task === 'multiclass') return `multiclass(top_k: ${o.topK ?? 2})`;
  return 'regression';
}

/**
 * The `.m4` source of the one-comparison graph `m4c compare` runs: each column an input read `from` its
 * field, with element types from the task (scores f64, labels bool for binary and f64 otherwise, slices
 * str), and a compare block with the flags' settings. Compiled like any file, so the plan is the
 * compiler's, with its checks.
 */
export function compareSource(o: CompareOptions, info: SampleInfo | null): string {
  const field = (col: string, flag: string) => (info === null ? null : findField(info, col, flag, o.data));
  const lines = [
    `input control: ${predictionType(o.task, field(o.control, '--control'), '--control', o.control)} from ${JSON.stringify(o.control)}`,
    `input treatment: ${predictionType(o.task, field(o.treatment, '--treatment'), '--treatment', o.treatment)} from ${JSON.stringify(o.treatment)}`,
  ];
  const hasLabel = o.label !== undefined;
  if (o.label !== undefined) {
    field(o.label, '--label');
    lines.push(`input label: ${o.task === 'binary' ? 'bool' : 'f64'}[batch] from ${JSON.stringify(o.label)}`);
  }
  if (o.sliceBy !== undefined) {
    field(o.sliceBy, '--slice-by');
    lines.push(`input slice: str[batch] from ${JSON.stringify(o.sliceBy)}`);
  }
  const task: PlanTask =
    o.task === 'binary'
      ? { kind: 'binary', threshold: o.threshold ?? 0.5 }
      : o.task === 'multiclass'
        ? { kind: 'multiclass', top_k: o.topK ?? 2 }
        : { kind: 'regression' };
  let metrics =
    o.metrics !== undefined
      ? o.metrics
          .split(',')
          .map((m) => m.trim())
          .filter((m) => m !== '')
      : defaultMetrics(task, hasLabel);
  for (const m of metrics) {
    const problem = metricProblem(m, task.kind, hasLabel);
    if (problem !== null) throw new CliError(`--metrics: ${problem}`);
  }
  metrics = [...new Set(metrics)];
  const gates = o.gate.map((text) => {
    const { gate, diagnostics } = checkGateText(text, task, hasLabel, o.bootstrap);
    const d = diagnostics.find((x) => x.severity === 'error');
    if (gate === undefined || d !== undefined) {
      const msg = d ? `${d.message.replace(/^invalid gate: /, '')}${d.help ? ` (${d.help})` : ''}` : 'cannot parse it';
      throw new CliError(`--gate ${JSON.stringify(text)}: ${msg}`);
    }
    if (!metrics.includes(gate.metric)) metrics.push(gate.metric);
    // checkGateText parsed `text` as exactly one gate line, so it is safe to write back verbatim.
    return `  gate ${text.replace(/\s+/g, ' ').trim()}`;
  });
  // Quoted: the default name, `compare`, is a keyword.
  lines.push(`compare \`${o.name}\` {`, '  control: control', '  treatment: treatment');
  if (hasLabel) lines.push('  label: label');
  if (o.sliceBy !== undefined) lines.push('  slice_by: slice');
  lines.push(`  task: ${taskText(o)}`, `  metrics: [${metrics.join(', ')}]`);
  lines.push(`  bootstrap: ${o.bootstrap}`, `  seed: ${o.seed}`, `  max_slices: ${o.maxSlices}`);
  lines.push(...gates, '}', '');
  return lines.join('\n');
}

/** The plan of `m4c compare`: its generated graph, compiled and validated like a file's. */
export function comparePlan(o: CompareOptions, info: SampleInfo | null): LoadedPlan {
  const c = compileSource(compareSource(o, info), COMPARE_FILE);
  const error = c.diagnostics.find((d) => d.severity === 'error');
  if (c.plan === undefined || error !== undefined) {
    throw new CliError(`cannot compare these columns: ${error?.message ?? 'the generated graph does not compile'}`);
  }
  return loadPlan(c.plan, { label: COMPARE_FILE, verifyModels: false });
}

async function compareCommand(o: CompareOptions): Promise<number> {
  const format = checkFlags(o);
  const loaded = comparePlan(o, await columnsOf(o.data));
  const progress = new Progress(process.stderr.isTTY === true, 'compare');
  try {
    const end = await replayComparisons(loaded, {
      data: o.data,
      batchSize: o.batchSize ?? (isColumnarData(o.data) ? COLUMNAR_BATCH_SIZE : 4096),
      onBadRow: o.onBadRow,
      shard: o.shard,
      statePath: o.state,
      db: o.db,
      format,
      color: format === 'human' && colorFor(process.stdout),
      say: (line) => process.stderr.write(`m4c compare: ${line}\n`),
      onStart: (stats) => progress.start(stats),
      onBatch: (b) => progress.update(b.rows),
      onRowsDone: (rows) => {
        progress.stop();
        process.stderr.write(replaySummary('compare', rows));
      },
    });
    return end.exitCode;
  } finally {
    progress.stop();
  }
}
