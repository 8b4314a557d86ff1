/**
 * How fast can the graph-only replay from a columnar file be at best? The target "Parquet ≥ 2× the rows/s of
 * JSONL" (issue 12) compares two `m4c run` processes that share everything but the source: start-up (compile,
 * plan check, two onnxruntime inits in the model threads, exit) and the graph itself (clip, the two model calls,
 * the hand-offs, `--out`). A source that cost nothing would leave exactly those, so
 *
 *     bound = JSONL (c) / (start-up + the graph over rows already in memory)
 *
 * is the most any columnar reader could reach on this machine. Measured here, in one run, R interleaved rounds of:
 *   - (c) from JSONL, Parquet and Arrow IPC: `m4c run graph-only.m4 --data F --out /dev/null` as a process
 *     (and JSONL at the columnar files' batch size, for what the batch size alone does);
 *   - start-up: the same command on the first 1,000 rows (a process);
 *   - the graph over rows in memory: in a child process (this script, so the hot code is as cold as in
 *     `m4c run`), the plan compiled as `m4c run` compiles it, the rows of the Parquet file read into batches
 *     and the models opened beforehand (not timed: start-up is the line above), then `Executor.run` over them with the outputs written to /dev/null by the same writer — wall
 *     time and CPU (all threads), at the batch size `m4c run` uses for the file (16,384) and at the text
 *     files' 1,024.
 * Medians are printed (the machine is shared: single runs say little). With several sizes (`--rows 1000000,4000000`)
 * each round runs every size in turn, so the sizes' medians come from the same rounds: start-up is paid once per
 * process whatever the rows, so the ratio at 1M rows weighs it four times more than at 4M.
 *
 *   npx tsx bench/columnar-bound.ts [--dir /tmp/m4-bench-main] [--rows 1000000[,4000000]] [--rounds 3] [--before DIR] [--no-extra]
 *
 * `--before DIR` (a checkout of older code, its bundles built) also runs (c) from JSONL and Parquet and the
 * start-up line with DIR's `bin/m4c.js` in every round.
 *
 * The data files (the same rows in the three formats) are made by bench/replay-files.ts when missing;
 * graph-only.m4 is the one `npx tsx bench/main-job.ts --rows 0 --columnar-rows 0` writes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { loadForRun } from '../cli/commands/run.ts';
import { createExecutor } from '../runtime/executor.ts';
import { OutputsWriter } from '../runtime/outputs-writer.ts';
import { COLUMNAR_BATCH_SIZE, openSource } from '../runtime/sources/index.ts';
import type { Batch } from '../runtime/batch.ts';
import { arrowFile, jsonlFile, parquetFile } from './replay-files.ts';

// Every process this bench starts — `m4c` old and new, the hand-written baseline — runs with onnxruntime's telemetry
// off, as `m4c` runs by default (docs/cli.md): the comparison is code against code.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const DIR = resolve(arg('dir', '/tmp/m4-bench-main'));
const SIZES = arg('rows', '1000000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const ROUNDS = Number(arg('rounds', '3'));
const BEFORE = arg('before', '');
/** `--no-extra`: without the lines that only explain (JSONL at batch 16,384, the graph in memory at batch 1,024). */
const EXTRA = !process.argv.includes('--no-extra');
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/m4c.js');
const GRAPH = join(DIR, 'fraud/graph-only.m4');
if (!existsSync(GRAPH)) throw new Error(`${GRAPH} is missing: run \`npx tsx bench/main-job.ts --rows 0 --columnar-rows 0 --dir ${DIR}\` first`);
/** The same rows in the three formats (made when missing). */
const filesOf = async (rows: number): Promise<Record<'JSONL' | 'Parquet' | 'Arrow IPC', string>> => ({
  JSONL: await jsonlFile(DIR, rows),
  Parquet: parquetFile(DIR, rows),
  'Arrow IPC': arrowFile(DIR, rows),
});
const tiny = join(DIR, 'replay-1000.jsonl');

const MAXRSS =
  "data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('CPU '+(u.userCPUTime+u.systemCPUTime)+'\\n')})";

interface Timing {
  wall: number;
  cpu: number;
}

/** `m4c run graph-only.m4 --data data --out /dev/null` as a process: wall and CPU seconds. */
function cli(data: string, extra: string[] = [], bin = BIN): Timing {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--import', MAXRSS, bin, 'run', GRAPH, '--data', data, '--quiet', '--db', join(DIR, 'bound.db'), '--out', '/dev/null', ...extra],
    {
      encoding: 'utf8',
    },
  );
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`m4c run --data ${data} exited ${r.status}: ${r.stderr.slice(-1000)}`);
  return { wall, cpu: Number(/CPU (\d+)/.exec(r.stderr)![1]) / 1e6 };
}

const loaded = loadForRun(GRAPH, false);
const plan = loaded.plan;

/** Every batch of the Parquet file at `batchSize` rows, in memory (read before any timing). */
async function batchesOf(rows: number, batchSize: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of openSource(parquetFile(DIR, rows), { inputs: plan.inputs, batchSize, onBadRow: 'skip' })) out.push(b);
  return out;
}

/** The graph over batches already in memory, outputs to /dev/null, as `m4c run` drives it: wall and CPU (all threads). */
async function graph(rows: number, batches: Batch[], batchSize: number): Promise<Timing> {
  // Opening the models is start-up, measured with the process above: the clock starts after it.
  const writer = OutputsWriter.open('/dev/null', plan.outputs);
  const ex = await createExecutor(loaded, { engine: 'auto', batchSize, outputs: true, comparisons: false, onBadRow: 'skip' });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  async function* inMemory(): AsyncGenerator<Batch> {
    yield* batches;
  }
  const r = await ex.run(inMemory(), { onOutputs: (b) => writer.write(b) });
  await writer.close();
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  await ex.close();
  if (r.rows !== rows) throw new Error(`the graph ran ${r.rows} rows, not ${rows}`);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

// A child process measures the graph over rows in memory once, on cold code as in `m4c run` (a loop in one
// process would measure JIT-warmed code): `--child BATCH` prints its timing as JSON.
const CHILD = process.argv.indexOf('--child');
if (CHILD >= 0) {
  const size = Number(process.argv[CHILD + 1]);
  const rows = SIZES[0]!;
  process.stdout.write(JSON.stringify(await graph(rows, await batchesOf(rows, size), size)) + '\n');
  process.exit(0);
}

/** The graph over `rows` rows in memory in a child process (this script under tsx, `--child size`). */
function graphChild(rows: number, size: number): Timing {
  const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--dir', DIR, '--rows', String(rows), '--child', String(size)], {
    encoding: 'utf8',
    cwd: ROOT,
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`the in-memory child exited ${r.status}: ${r.stderr.slice(-1000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Timing;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = (): string => loadavg()[0]!.toFixed(1);

const files = Object.fromEntries(await Promise.all(SIZES.map(async (n) => [n, await filesOf(n)] as const)));
if (!existsSync(tiny)) writeFileSync(tiny, readFileSync(files[SIZES[0]!]!.JSONL, 'utf8').split('\n', 1000).join('\n') + '\n');
console.log(
  `# columnar bound — node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at start`,
);
console.log(`# npx tsx bench/columnar-bound.ts --dir ${DIR} --rows ${SIZES.join(',')} --rounds ${ROUNDS}\n`);
// t[rows][line]: the timings of each round; start-up (1,000 rows) is measured once per round and shared by the sizes.
const t: Record<number, Record<string, Timing[]>> = {};
const STARTUP = 'start-up (1,000 rows)';
const add = (rows: number, k: string, v: Timing): void => void ((t[rows] ??= {})[k] ??= []).push(v);
const loads: string[] = [];
for (let r = 0; r < ROUNDS; r++) {
  loads.push(load());
  const startup = cli(tiny);
  const startupBefore = BEFORE === '' ? null : cli(tiny, [], join(BEFORE, 'bin/m4c.js'));
  for (const rows of SIZES) {
    for (const [k, f] of Object.entries(files[rows]!)) add(rows, k, cli(f));
    if (EXTRA) add(rows, `JSONL, --batch-size ${COLUMNAR_BATCH_SIZE}`, cli(files[rows]!.JSONL, ['--batch-size', String(COLUMNAR_BATCH_SIZE)]));
    add(rows, STARTUP, startup);
    add(rows, `graph in memory, batch ${COLUMNAR_BATCH_SIZE}`, graphChild(rows, COLUMNAR_BATCH_SIZE));
    if (EXTRA) add(rows, 'graph in memory, batch 1024', graphChild(rows, 1024));
    if (startupBefore !== null) {
      add(rows, `${STARTUP}, before`, startupBefore);
      for (const k of ['JSONL', 'Parquet'] as const) add(rows, `${k}, before`, cli(files[rows]![k], [], join(BEFORE, 'bin/m4c.js')));
    }
  }
}
loads.push(load());
console.log(`medians of ${ROUNDS} interleaved rounds (load average at each round's start: ${loads.join(', ')}):`);
for (const rows of SIZES) {
  const med = Object.fromEntries(
    Object.entries(t[rows]!).map(([k, v]) => [k, { wall: median(v.map((x) => x.wall)), cpu: median(v.map((x) => x.cpu)) }]),
  );
  console.log(`\n${rows.toLocaleString('en')} rows:`);
  for (const [k, v] of Object.entries(med))
    console.log(
      `   ${k.padEnd(32)} wall ${v.wall.toFixed(2).padStart(6)} s   CPU ${v.cpu.toFixed(2).padStart(6)} s   ${Math.round(rows / v.wall)
        .toLocaleString('en')
        .padStart(10)} rows/s`,
    );
  const j = med.JSONL!,
    p = med.Parquet!,
    s = med[STARTUP]!,
    g = med[`graph in memory, batch ${COLUMNAR_BATCH_SIZE}`]!;
  const free = { wall: s.wall + g.wall, cpu: s.cpu + g.cpu };
  console.log(
    `   a source that costs nothing: start-up + graph in memory = wall ${free.wall.toFixed(2)} s, CPU ${free.cpu.toFixed(2)} s` +
      `\n   bound on (c) rows/s against JSONL: wall ${(j.wall / free.wall).toFixed(2)}×, CPU ${(j.cpu / free.cpu).toFixed(2)}×` +
      `\n   Parquet now: wall ${(j.wall / p.wall).toFixed(2)}×, CPU ${(j.cpu / p.cpu).toFixed(2)}× (target ≥ 2×); Arrow IPC: wall ${(j.wall / med['Arrow IPC']!.wall).toFixed(2)}×, CPU ${(j.cpu / med['Arrow IPC']!.cpu).toFixed(2)}×` +
      `\n   per round (wall): Parquet × JSONL ${t[rows]!.JSONL!.map((x, i) => (x.wall / t[rows]!.Parquet![i]!.wall).toFixed(2) + '×').join(', ')}`,
  );
  const jb = med['JSONL, before'],
    pb = med['Parquet, before'];
  if (jb !== undefined && pb !== undefined)
    console.log(`   before (${BEFORE}): Parquet wall ${(jb.wall / pb.wall).toFixed(2)}×, CPU ${(jb.cpu / pb.cpu).toFixed(2)}× JSONL`);
}
