/**
 * `m4c serve` while its SQLite sink is locked by another connection (`BEGIN EXCLUSIVE`, as a backup holds it): one
 * client sends predict requests one after another for 1 s, then for 4 s with the lock held (the server's `--window
 * 500ms` closes windows whose writes wait on it); the answers' latency during the lock (p50, p99, max) and the
 * server's RSS after the first second. For each checkout given (the built CLI of each, `node REPO/bin/m4c.js`), so
 * a baseline (another checkout, e.g. `git archive main`) is measured in the same run. Bounded: ~6 s per checkout
 * (more when a server's answers are held: then the client waits with them).
 *
 *   npx tsx bench/sink-lock.ts BASELINE_REPO . [BASELINE_REPO . ...]
 */
import { loadavg } from 'node:os';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { row, writeServeGraph } from '../test/runtime/serve/serve-models.ts';

async function run(repo: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'srv15-locked-'));
  const db = join(dir, 'live.db');
  const child = spawn(process.execPath, [
    join(resolve(repo), 'bin/m4c.js'),
    'serve',
    writeServeGraph(dir),
    '--db',
    db,
    '--window',
    '500ms',
    '--port',
    '0',
    '--quiet',
  ]);
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
  });
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
  const lat: number[] = [];
  const send = async (i: number) => {
    const t = performance.now();
    const r = await fetch(`${url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: row(i) }),
    });
    await r.text();
    lat.push(performance.now() - t);
  };
  const end0 = performance.now() + 1000;
  let i = 0;
  while (performance.now() < end0) await send(i++);
  const rss0 = rss();
  const holder = new Database(db);
  holder.exec('BEGIN EXCLUSIVE');
  const lockedAt = performance.now();
  const locked: number[] = [];
  const end1 = performance.now() + 4000;
  while (performance.now() < end1) {
    const n = lat.length;
    await send(i++);
    locked.push(lat[n]!);
  }
  holder.exec('ROLLBACK');
  const heldS = (performance.now() - lockedAt) / 1000;
  holder.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  locked.sort((a, b) => a - b);
  const q = (p: number) => locked[Math.min(locked.length - 1, Math.floor(p * locked.length))]!.toFixed(1);
  return `${repo}: lock held ${heldS.toFixed(1)} s: ${locked.length} requests answered, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${locked.at(-1)!.toFixed(1)} ms; RSS after 1 s of load ${rss0.toFixed(0)} MB`;
}

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (2 cores shared with other work: latency figures are rough)`,
);
for (const repo of process.argv.slice(2)) console.log(await run(repo));
