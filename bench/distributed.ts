/**
 * A replay split over local `m4c worker` processes next to the same replay in one process (issue 15).
 *
 *   npx tsx bench/distributed.ts [--copies 8] [--workers 4] [--redis redis://127.0.0.1:6379]
 *
 * The fraud example (two ONNX models) over its replay repeated `--copies` times. Measured in the same run,
 * as users run them, as processes:
 *   - baseline: `m4c run examples/fraud/ab.m4 --data BIG --db single.db` (wall time);
 *   - `m4c run ... --queue REDIS --shards W` with W workers already started and waiting (wall time of the
 *     submitting command: enqueue, shards, merge, record), and each shard's own time from the worker log.
 * Per-shard overhead = (sum of the shard times − the single run's time) / W: what splitting costs (model
 * load per job, every shard reading the whole file). The workers' start-up is reported separately.
 * The record of the split run is checked equal to the single run's (rows, verdicts).
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
const REDIS = arg('--redis') ?? process.env.M4_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const root = join(import.meta.dirname, '..');
const m4c = join(root, 'bin/m4c.js');
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

console.log(`fraud example, ${rows.toLocaleString('en-US')} rows; load average before: ${load()} (2 cores)`);
let t0 = performance.now();
const single = spawnSync(process.execPath, [m4c, 'run', graph, '--data', data, '--db', join(dir, 'single.db'), '--quiet'], { encoding: 'utf8' });
const singleS = (performance.now() - t0) / 1000;
if (single.status !== 0 && single.status !== 1) throw new Error(single.stderr);
console.log(`  one process:              ${singleS.toFixed(2)} s   (baseline)`);

const prefix = `m4bench-${process.pid}`;
t0 = performance.now();
const workers = Array.from({ length: W }, () => {
  const p = spawn(process.execPath, [m4c, 'worker', '--queue', REDIS, '--queue-prefix', prefix], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  p.stderr.on('data', (d: Buffer) => {
    log += d.toString();
  });
  return { p, log: () => log };
});
while (!workers.every((w) => w.log().includes('waiting for jobs'))) await new Promise((r) => setTimeout(r, 50));
const startup = (performance.now() - t0) / 1000;
t0 = performance.now();
const dist = await new Promise<{ code: number | null; err: string }>((resolve) => {
  const p = spawn(
    process.execPath,
    [m4c, 'run', graph, '--data', data, '--queue', REDIS, '--queue-prefix', prefix, '--shards', String(W), '--db', join(dir, 'dist.db')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  p.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  p.on('exit', (code) => resolve({ code, err }));
});
const distS = (performance.now() - t0) / 1000;
await new Promise((r) => setTimeout(r, 500));
for (const w of workers) w.p.kill('SIGTERM');
if (dist.code !== 0 && dist.code !== 1) throw new Error(dist.err);
const shardTimes = workers.flatMap((w) => [...w.log().matchAll(/shard \d+\/\d+: done, \d+ rows in ([\d.]+) s/g)].map((m) => Number(m[1])));
const sum = shardTimes.reduce((a, b) => a + b, 0);
console.log(
  `  ${W} workers, ${W} shards:     ${distS.toFixed(2)} s   = ${(singleS / distS).toFixed(2)}× the one process (workers' start-up, before: ${startup.toFixed(2)} s)`,
);
console.log(
  `  shard times: ${shardTimes.map((t) => t.toFixed(2)).join(', ')} s; per-shard overhead (sum − single) / ${W}: ${((sum - singleS) / W).toFixed(2)} s`,
);
const rec = (f: string) => new Database(f, { readonly: true }).prepare('SELECT rows_counted, passed FROM runs').get();
console.log(
  `  records equal in rows and verdict: ${JSON.stringify(rec(join(dir, 'single.db'))) === JSON.stringify(rec(join(dir, 'dist.db')))}; load average after: ${load()}`,
);
