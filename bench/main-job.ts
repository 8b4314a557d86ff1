/**
 * The main job as users run it: `m4c run examples/fraud/ab.m4 --data …` as a process, on 1M and 4M
 * rows of the fraud replay (the example's 5,000 recorded rows repeated, fresh ids), with
 *   (a) the default comparison (paired bootstrap, 1,000 resamples),
 *   (b) the same file with `bootstrap: 0`,
 *   (c) no comparison, the graph alone: both models run on every row and the outputs are written
 *       (`--out /dev/null`) — the same-run baseline of (a) and (b),
 *   (d) reading the data alone: the file without its comparison and without `--out`, so the executor
 *       has nothing to compute (it runs only what a comparison or an output needs),
 * printing wall time, rows/s and peak RSS of each; then (c) and (d) on each size of --columnar-rows from
 * JSONL, Parquet and Arrow IPC files holding the same rows (bench/replay-files.ts).
 *
 * Until 2026-12-04 (c) was run without `--out`, i.e. it measured (d): the ratios published before
 * then were against reading the data, not against the graph.
 *
 *   npx tsx bench/main-job.ts [--rows 1000000,4000000] [--columnar-rows 1000000[,4000000]] [--dir DIR] [--keep]
 *                             [--variants a,b,c] [--before DIR]
 *
 * `--variants` runs only some of (a), (b), (c); `--before DIR` (a checkout of older code with its
 * node_modules) also runs each chosen comparison variant, and the columnar section's (c) from JSONL
 * and Parquet, with DIR's `bin/m4c.js`, in the same run.
 *
 * Targets (docs/metrics.md): (a) ≤ 1.5× (c); peak RSS at 4M ≤ 1.2× at 1M; Parquet ≥ 2× JSONL rows/s (the most
 * any reader could give here: bench/columnar-bound.ts). Parquet and Arrow files are read in batches of 16,384 rows
 * (`m4c run`'s default for columnar files), JSONL in batches of 1,024.
 * Each line also gives the process's CPU seconds (all threads): on a shared machine they move less
 * with the load than wall time. The bundles bin/m4c.js starts from are built first (what users run
 * after `npm ci`). Data and variant files go to --dir (default /tmp/m4-bench-main/; reused across
 * runs; --keep keeps the sink DBs); `--rows 0` runs the columnar section only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { arrowFile, jsonlFile, parquetFile } from './replay-files.ts';

// Every process this bench starts — `m4c` old and new, the hand-written baseline — runs with onnxruntime's telemetry
// off, as `m4c` runs by default (docs/cli.md): the comparison is code against code.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const ROWS = arg('rows', '1000000,4000000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const COLUMNAR_ROWS = arg('columnar-rows', '1000000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const VARIANTS = new Set(arg('variants', 'a,b,c').split(','));
const BEFORE = arg('before', '');
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/m4c.js');
const DIR = resolve(arg('dir', '/tmp/m4-bench-main'));
const EXAMPLE = join(ROOT, 'examples/fraud');

/** The example with `bootstrap: 0`, and without its compare block, next to symlinks to its models. */
function variants(): { a: string; b: string; c: string } {
  const dir = join(DIR, 'fraud');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'models'))) symlinkSync(join(EXAMPLE, 'models'), join(dir, 'models'));
  if (!existsSync(join(dir, 'data'))) symlinkSync(join(EXAMPLE, 'data'), join(dir, 'data'));
  const src = readFileSync(join(EXAMPLE, 'ab.m4'), 'utf8');
  const a = join(dir, 'ab.m4'),
    b = join(dir, 'ab-bootstrap-0.m4'),
    c = join(dir, 'graph-only.m4');
  writeFileSync(a, src);
  // Without intervals a confidence gate is refused (M6011): the same gate on the point estimate.
  writeFileSync(
    b,
    src.replace('  task:      binary(threshold: 0.5)\n', '  task:      binary(threshold: 0.5)\n  bootstrap: 0\n').replace(/ at 95%/g, ''),
  );
  // The graph alone: both models still run (their scores become outputs), nothing is compared.
  writeFileSync(c, src.replace(/\ncompare v2_vs_v1 \{[\s\S]*?\n\}\n/, '\noutput control_score = control\n'));
  if (readFileSync(b, 'utf8') === src || readFileSync(c, 'utf8') === src)
    throw new Error('examples/fraud/ab.m4 changed shape: update bench/main-job.ts');
  return { a, b, c };
}

// Peak RSS and CPU seconds (user + system, every thread) of the process, printed as it exits.
const MAXRSS =
  "data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('MAXRSS '+u.maxRSS+' CPU '+(u.userCPUTime+u.systemCPUTime)+'\\n')})";

/** One `m4c run` as a child process: wall seconds, CPU seconds, peak RSS (MB), exit code. */
function run(file: string, data: string, extra: string[] = [], bin = BIN): { seconds: number; cpu: number; rssMb: number; code: number } {
  const db = join(DIR, 'bench.db');
  rmSync(db, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', MAXRSS, bin, 'run', file, '--data', data, '--quiet', '--db', db, ...extra], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t0) / 1000;
  const m = /MAXRSS (\d+) CPU (\d+)/.exec(r.stderr);
  if (r.status !== 0 && r.status !== 1) throw new Error(`m4c run ${file} --data ${data} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { seconds, cpu: m === null ? NaN : Number(m[2]) / 1e6, rssMb: m === null ? NaN : Number(m[1]) / 1024, code: r.status ?? -1 };
}

mkdirSync(DIR, { recursive: true });
const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`scripts/build-cli.mjs failed: ${built.stderr}`);
const files = variants();
console.log(
  `# m4 main job — node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at start`,
);
console.log(`# command: npx tsx bench/main-job.ts --rows ${ROWS.join(',') || 0} --columnar-rows ${COLUMNAR_ROWS.join(',') || 0} --dir ${DIR}`);
console.log('# each line: one `m4c run <file> --data <rows> --quiet` child process, end to end (start-up, compile, replay, report, sink)\n');
const line = (what: string, rows: number, r: ReturnType<typeof run>, base?: ReturnType<typeof run>): void => {
  const ratio = base === undefined ? '' : `   ${(r.seconds / base.seconds).toFixed(2)}× the graph alone`;
  console.log(
    `   ${what.padEnd(42)} ${r.seconds.toFixed(1).padStart(7)} s  ${Math.round(rows / r.seconds)
      .toLocaleString('en')
      .padStart(9)} rows/s  CPU ${r.cpu.toFixed(1).padStart(5)} s  peak RSS ${r.rssMb.toFixed(0).padStart(5)} MB${ratio}`,
  );
};
const GRAPH = ['--out', '/dev/null'];
const peak: Record<string, number[]> = { a: [], b: [], c: [] };
for (const rows of ROWS) {
  const data = await jsonlFile(DIR, rows);
  console.log(`${rows.toLocaleString('en')} rows (${data})`);
  const d = run(files.c, data);
  const c = run(files.c, data, GRAPH);
  line('(d) reading the data alone', rows, d);
  line('(c) no comparison (graph alone, --out)', rows, c);
  peak.c!.push(c.rssMb);
  const beforeBin = join(BEFORE, 'bin/m4c.js');
  for (const [v, what] of [
    ['b', '(b) comparison, bootstrap: 0'],
    ['a', '(a) default comparison (1,000 resamples)'],
  ] as const) {
    if (!VARIANTS.has(v)) continue;
    const r = run(files[v], data);
    line(what, rows, r, c);
    peak[v]!.push(r.rssMb);
    if (BEFORE !== '') line(`${what}, before`, rows, run(files[v], data, [], beforeBin), c);
  }
}
if (ROWS.length > 1 && VARIANTS.has('a') && VARIANTS.has('b')) {
  const k = ROWS.length - 1;
  console.log(
    `\npeak RSS at ${ROWS[k]!.toLocaleString('en')} / at ${ROWS[0]!.toLocaleString('en')} rows: (a) ${(peak.a![k]! / peak.a![0]!).toFixed(2)}×  (b) ${(peak.b![k]! / peak.b![0]!).toFixed(2)}×  (c) ${(peak.c![k]! / peak.c![0]!).toFixed(2)}×   (target (a) ≤ 1.2×)`,
  );
}
for (const COLUMNAR of COLUMNAR_ROWS) {
  const files3 = { JSONL: await jsonlFile(DIR, COLUMNAR), Parquet: parquetFile(DIR, COLUMNAR), 'Arrow IPC': arrowFile(DIR, COLUMNAR) };
  for (const [what, extra] of [
    ['(c) graph alone (--out)', GRAPH],
    ['(d) reading the data alone', []],
  ] as const) {
    console.log(`\n${what}, ${COLUMNAR.toLocaleString('en')} rows, the same rows from three formats:`);
    const t = Object.fromEntries(Object.entries(files3).map(([f, path]) => [f, run(files.c, path, [...extra])]));
    for (const [f, r] of Object.entries(t)) line(f, COLUMNAR, r);
    console.log(
      `      rows/s against JSONL: Parquet ${(t.JSONL!.seconds / t.Parquet!.seconds).toFixed(2)}× (target ≥ 2× for the graph alone), Arrow ${(t.JSONL!.seconds / t['Arrow IPC']!.seconds).toFixed(2)}×;` +
        ` CPU against JSONL: Parquet ${(t.JSONL!.cpu / t.Parquet!.cpu).toFixed(2)}×, Arrow ${(t.JSONL!.cpu / t['Arrow IPC']!.cpu).toFixed(2)}×`,
    );
    if (BEFORE !== '' && extra.length > 0) {
      // The same (c) lines with the older code, in the same run: what the outputs writer and the source cost before.
      const b = Object.fromEntries((['JSONL', 'Parquet'] as const).map((f) => [f, run(files.c, files3[f], [...extra], join(BEFORE, 'bin/m4c.js'))]));
      for (const [f, r] of Object.entries(b)) line(`${f}, before`, COLUMNAR, r);
      console.log(
        `      before: Parquet ${(b.JSONL!.seconds / b.Parquet!.seconds).toFixed(2)}× JSONL (CPU ${(b.JSONL!.cpu / b.Parquet!.cpu).toFixed(2)}×);` +
          ` now against before: JSONL ${(b.JSONL!.seconds / t.JSONL!.seconds).toFixed(2)}×, Parquet ${(b.Parquet!.seconds / t.Parquet!.seconds).toFixed(2)}× the rows/s`,
      );
    }
  }
}
if (!process.argv.includes('--keep')) rmSync(join(DIR, 'bench.db'), { force: true });
