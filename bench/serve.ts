/**
 * `m4c serve` throughput and latency, against a hand-written baseline, in one run:
 *
 *   npx tsx bench/serve.ts [--seconds 10] [--connections 32] [--only 0,1]   (0 baseline, 1 control, 2 shadow)
 *
 * Three servers on loopback, each a process started the way users start it, driven in turn by autocannon with
 * single-row `/v1/predict` requests cycling over the fraud replay's first 100 rows:
 * 1. baseline: bench/serve-baseline.ts (fastify + onnxruntime-node, its own micro-batching, the control's work);
 * 2. `m4c serve examples/fraud/ab.m4 --mode control` (shadow off: the control only);
 * 3. `m4c serve examples/fraud/ab.m4 --mode shadow` (the treatment in shadow, comparisons on every pair).
 * Prints req/s, p50, p99 and the server's RSS after the load, with the load average (the machine may be shared:
 * compare rows of one run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

/** The parts of autocannon's API used here (it ships no types). */
interface LoadResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<LoadResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const ROOT = join(import.meta.dirname, '..');
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 32);

const rows = readFileSync(join(ROOT, 'examples/fraud/data/replay.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .slice(0, 100);
const bodies = rows.map((l) => `{"inputs":${l}}`);

interface Server {
  child: ChildProcess;
  port: number;
}

function start(args: string[], pattern: RegExp): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function load(port: number, seconds: number): Promise<LoadResult> {
  let i = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}/v1/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ setupRequest: (req: object) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
}

async function stop(s: Server): Promise<void> {
  const exited = new Promise((resolve) => s.child.on('exit', resolve));
  s.child.kill('SIGTERM');
  await exited;
}

const configs: { name: string; args: string[]; pattern: RegExp }[] = [
  { name: 'hand-written fastify + ORT', args: ['--import', 'tsx', 'bench/serve-baseline.ts', '0'], pattern: /listening (\d+)/ },
  {
    name: 'm4c serve --mode control',
    args: ['bin/m4c.js', 'serve', 'examples/fraud/ab.m4', '--port', '0', '--mode', 'control', '-q'],
    pattern: /127\.0\.0\.1:(\d+)/,
  },
  {
    name: 'm4c serve --mode shadow',
    args: [
      'bin/m4c.js',
      'serve',
      'examples/fraud/ab.m4',
      '--port',
      '0',
      '--mode',
      'shadow',
      '--db',
      join(mkdtempSync(join(tmpdir(), 'm4-bench-serve-')), 'live.db'),
      '-q',
    ],
    pattern: /127\.0\.0\.1:(\d+)/,
  },
];

console.log(
  `bench/serve.ts: ${SECONDS} s per server, ${CONNECTIONS} connections, single-row requests; load average before: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
const results: string[] = [];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]!.split(',').map(Number) : null;
for (const [k, c] of configs.entries()) {
  if (only !== null && !only.includes(k)) continue;
  const s = await start(c.args, c.pattern);
  await load(s.port, 2); // warm-up: JIT, ORT's first runs, the batcher's steady state
  const r = await load(s.port, SECONDS);
  const rss = rssMb(s.child.pid!);
  const non2xx = r.non2xx + r.errors + r.timeouts;
  results.push(
    `| ${c.name} | ${Math.round(r.requests.average).toLocaleString('en-US')} | ${r.latency.p50} | ${r.latency.p99} | ${rss.toFixed(0)} | ${non2xx} | ${loadavg()[0]!.toFixed(1)} |`,
  );
  await stop(s);
}
console.log('| server | req/s | p50 ms | p99 ms | RSS MB | errors | load (1 min) |');
console.log('|---|---|---|---|---|---|---|');
for (const line of results) console.log(line);
