/**
 * A replay split over local `m4c worker` processes next to the same replay in one process (issue 15).
 *
 *   npx tsx bench/distributed.ts [--copies 8] [--workers 4] [--shards 4] [--redis redis://127.0.0.1:6379]
 *                                [--before DIR] [--engine auto|main|workers]
 *
 * The fraud example (two ONNX models) over its replay repeated `--copies` times. Measured in the same run,
 * as users run them, as processes:
 *   - baseline: `m4c run examples/fraud/ab.m4 --data BIG --db single.db` (wall time);
 *   - `m4c run ... --queue REDIS --shards S` with W workers already started and waiting (wall time of the
 *     submitting command: its start-up and compile, enqueue, shards, merge, record), with each shard's
 *     own time and its parts (plan, model sessions, rows, state) from the worker log, and the replay
 *     window the submitter reports (enqueue to record);
 *   - with `--before DIR` (a checkout of older code with its node_modules), the same split with DIR's
 *     `bin/m4c.js` in the same run.
 * Per-shard overhead = (sum of the shard times − the single run's replay time) / S: what splitting costs.
 * The workers' start-up is reported separately (paid once, before the replay). The split run's record is
 * checked equal to the single run's (rows, verdicts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const COPIES = Number(arg('--copies') ?? 8);
const W = Number(arg('--workers') ?? 4);
const S = Number(arg('--shards') ?? W);
const REDIS = arg('--redis') ?? process.env.M4_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BEFORE = arg('--before');
/** `--engine` of both the one process and the split (default: m4's own default, `auto`). */
const ENGINE = arg('--engine') === undefined ? [] : ['--engine', arg('--engine')!];
const root = join(import.meta.dirname, '..');
const graph = join(root, 'examples/fraud/ab.m4');
const dir = mkdtempSync(join(tmpdir(), 'm4-bench-dist-'));
const data = join(dir, 'replay.jsonl');
const one = readFileSync(join(root, 'examples/fraud/data/replay.jsonl'), 'utf8');
writeFileSync(data, one.repeat(COPIES));
const rows = one.trim().split('\n').length * COPIES;
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const rec = (f: string) => new Database(f, { readonly: true }).prepare('SELECT rows_counted, passed FROM runs').get();

console.log(
  `fraud example, ${rows.toLocaleString('en-US')} rows, ${W} workers, ${S} shards, engine ${ENGINE[1] ?? 'auto'}; load average before: ${load()} (2 cores)`,
);
let t0 = performance.now();
const single = spawnSync(process.execPath, [join(root, 'bin/m4c.js'), 'run', graph, '--data', data, '--db', join(dir, 'single.db'), ...ENGINE], {
  encoding: 'utf8',
});
const singleS = (performance.now() - t0) / 1000;
if (single.status !== 0 && single.status !== 1) throw new Error(single.stderr);
// `m4c run`'s summary: "40,000 rows processed in 20 batches, 3.10 s (…) after 1.20 s start-up": its replay
// (model sessions, then rows), what a shard's models + rows compare with — without process start and compile.
const summary = /processed in [\d,]+ batch(?:es)?, ([\d.]+) s .* after ([\d.]+) s start-up/.exec(single.stderr);
if (summary === null) throw new Error(`no summary in: ${single.stderr}`);
const singleReplay = Number(summary[1]) + Number(summary[2]);
console.log(
  `  one process:  ${singleS.toFixed(2)} s wall; its replay ${singleReplay.toFixed(2)} s (model sessions ${summary[2]} s, rows ${summary[1]} s)   (baseline)`,
);

async function split(label: string, codeRoot: string): Promise<void> {
  const m4c = join(codeRoot, 'bin/m4c.js');
  const prefix = `m4bench-${process.pid}-${label}`;
  let t = performance.now();
  const workers = Array.from({ length: W }, () => {
    const p = spawn(process.execPath, [m4c, 'worker', '--queue', REDIS, '--queue-prefix', prefix], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    p.stderr.on('data', (d: Buffer) => {
      log += d.toString();
    });
    return { p, log: () => log };
  });
  while (!workers.every((w) => w.log().includes('waiting for jobs'))) await new Promise((r) => setTimeout(r, 50));
  const startup = (performance.now() - t) / 1000;
  t = performance.now();
  const db = join(dir, `${label}.db`);
  const dist = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const p = spawn(
      process.execPath,
      [m4c, 'run', graph, '--data', data, '--queue', REDIS, '--queue-prefix', prefix, '--shards', String(S), '--db', db, ...ENGINE],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('exit', (code) => resolve({ code, err }));
  });
  const distS = (performance.now() - t) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  for (const w of workers) w.p.kill('SIGTERM');
  if (dist.code !== 0 && dist.code !== 1) throw new Error(dist.err);
  const done = workers.flatMap((w) => [...w.log().matchAll(/shard \d+\/\d+: done, \d+ rows in ([\d.]+) s(.*)/g)]);
  const times = done.map((m) => Number(m[1]));
  const sum = times.reduce((a, b) => a + b, 0);
  const window = Number(/shards done, [\d,]+ rows in ([\d.]+) s/.exec(dist.err)?.[1] ?? NaN);
  console.log(
    `  ${label.padEnd(6)} split: ${distS.toFixed(2)} s wall = ${(singleS / distS).toFixed(2)}× the one process; replay window (enqueue → record) ${window.toFixed(2)} s = ${(singleReplay / window).toFixed(2)}× its replay; workers' start-up (before) ${startup.toFixed(2)} s`,
  );
  console.log(
    `         shards: ${times.map((x) => x.toFixed(2)).join(', ')} s; per-shard overhead (sum − one replay) / ${S}: ${((sum - singleReplay) / S).toFixed(2)} s`,
  );
  for (const m of done) if (m[2]!.trim() !== '') console.log(`           ${m[1]} s${m[2]}`);
  const merge = workers.map((w) => /merge: \d+ shards merged( in [\d.]+ s)?/.exec(w.log())?.[0]).find((x) => x !== undefined);
  if (merge !== undefined) console.log(`         ${merge}`);
  console.log(`         record equal in rows and verdict: ${JSON.stringify(rec(join(dir, 'single.db'))) === JSON.stringify(rec(db))}`);
}

if (BEFORE !== undefined) await split('before', BEFORE);
await split('now', root);
console.log(`  load average after: ${load()}`);
