/**
 * Where a serving process's CPU goes, by thread, and its collections, by isolate, under a paced load:
 *
 *   npx tsx bench/serve-threads.ts [--mode shadow] [--rate 2000] [--seconds 10] [--warmup 8] [--dir DIR]
 *
 * Starts `m4c serve examples/fraud/ab.m4 --mode MODE` from DIR (default this tree; e.g. a built checkout of an older
 * commit, read only) with `--trace-gc`, offers RATE single-row requests per second (bench/support/paced-load.ts)
 * for WARMUP seconds, then measures SECONDS more: CPU µs per request of the main thread (the answers), the shadow
 * arm's thread (`m4-shadow`, SCHED_IDLE), the comparisons' thread (`m4-comparisons`) and every other thread together (V8's
 * helpers, which collect every isolate's garbage, libuv's), from /proc/PID/task/*\/stat (bench/support/serve-process.ts); the scavenges and full
 * collections of the main isolate and of the workers'; p50 and p99. One line per run: compare lines of one run of
 * the machine (bench/serve.ts's columns CPU, main and shadow thread are the same figures).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pacedLoad } from './support/paced-load.ts';
import { threadCpu } from './support/serve-process.ts';

// Every process this bench starts — `m4c` old and new, the hand-written baseline — runs with onnxruntime's telemetry
// off, as `m4c` runs by default (docs/cli.md): the comparison is code against code.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

const ROOT = join(import.meta.dirname, '..');
const opt = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const DIR = opt('dir', ROOT);
const MODE = opt('mode', 'shadow');
const RATE = Number(opt('rate', '2000'));
const SECONDS = Number(opt('seconds', '10'));
const WARMUP = Number(opt('warmup', '8'));

const bodies = readFileSync(join(ROOT, 'examples/fraud/data/replay.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .slice(0, 100)
  .map((l) => `{"inputs":${l}}`);

const child = spawn(process.execPath, ['--trace-gc', 'bin/m4c.js', 'serve', 'examples/fraud/ab.m4', '--port', '0', '--mode', MODE, '-q'], {
  cwd: DIR,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
const port = await new Promise<number>((resolve, reject) => {
  child.on('exit', (code) => reject(new Error(`m4c serve exited ${code}`)));
  const t = setInterval(() => {
    const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (m) {
      clearInterval(t);
      resolve(Number(m[1]));
    }
  }, 50);
});

await pacedLoad(port, '/v1/predict', bodies, RATE, WARMUP);
const mark = out.length;
const before = threadCpu(child.pid!);
const r = await pacedLoad(port, '/v1/predict', bodies, RATE, SECONDS);
const after = threadCpu(child.pid!);
child.kill('SIGKILL');

const perReq = (sec: number): number => (sec * 1e6) / r.answered;
const cpu = {
  main: perReq(after.main - before.main),
  shadow: perReq(after.shadow - before.shadow),
  comparisons: perReq(after.comparisons - before.comparisons),
  other: perReq(after.other - before.other),
};
// `[pid:0xISOLATE] ... Scavenge|Mark-Compact ...`: the main isolate is the one allocated first (not in a thread's arena).
const gc = { main: { scavenge: 0, full: 0 }, workers: { scavenge: 0, full: 0 } };
for (const line of out.slice(mark).split('\n')) {
  const m = /\[\d+:(0x[0-9a-f]+)\].*?(Scavenge|Mark-Compact)/.exec(line);
  if (m === null) continue;
  const g = m[1]!.startsWith('0x7f') ? gc.workers : gc.main;
  if (m[2] === 'Scavenge') g.scavenge++;
  else g.full++;
}
const lat = Array.from(r.latencies.subarray(0, r.answered)).sort((a, b) => a - b);
const q = (p: number): string => (lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN).toFixed(2);
const f = (x: number): string => x.toFixed(1);
console.log(
  `${DIR} --mode ${MODE}: CPU µs/req main ${f(cpu.main)}, shadow ${f(cpu.shadow)}, comparisons ${f(cpu.comparisons)}, other threads ${f(cpu.other)}` +
    ` | collections: main ${gc.main.scavenge} scavenges + ${gc.main.full} full, workers ${gc.workers.scavenge} + ${gc.workers.full}` +
    ` | p50 ${q(0.5)} ms, p99 ${q(0.99)} ms | ${r.answered} answered, ${r.late} late | load ${loadavg()[0]!.toFixed(1)}`,
);
process.exit(0);
