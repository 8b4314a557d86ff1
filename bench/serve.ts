/**
 * `m4c serve` throughput and latency, against a hand-written baseline, in one run:
 *
 *   npx tsx bench/serve.ts [--seconds 10] [--connections 32] [--rate 0] [--only 0,1] [--rounds 1] [--warmup 2] [--before DIR] [--window W] [--shed-load U]
 *   (--only: 0 baseline, 1 control, 2 shadow; --before DIR: also DIR's `m4c serve`, e.g. a checkout of main, read only;
 *   --window W: the shadow servers' `--window` (default 60s: no window closes during a run), e.g. 1s to measure
 *   the answers while windows close and the growing cumulative state is judged; --shed-load U: our shadow server's
 *   `--shadow-shed-load U`, e.g. 1 to never shed)
 *
 * Three servers on loopback, each a process started the way users start it, driven in turn by autocannon with
 * single-row `/v1/predict` requests cycling over the fraud replay's first 100 rows:
 * 1. baseline: bench/serve-baseline.ts (fastify + onnxruntime-node, its own micro-batching, the control's work);
 * 2. `m4c serve examples/fraud/ab.m4 --mode control` (shadow off: the control only);
 * 3. `m4c serve examples/fraud/ab.m4 --mode shadow` (the treatment in shadow, comparisons on every pair).
 * Prints req/s, p50, p99 and p99.9 (to 0.01 ms: every answer's latency from autocannon's `response` event, sorted —
 * autocannon's own histogram keeps whole milliseconds), the server's CPU time per request (all its threads, from /proc: the figure least
 * sensitive to other load on the machine), its main thread's alone (the answers' event loop) and, in shadow mode, the shadow arm's thread's, its RSS after the load and, in shadow mode, the share of rows the
 * treatment ran (the rest was dropped, counted, when its queue was full: less shadow work is cheaper), with the load average (the machine may be
 * shared: compare rows of one run). With `--before DIR`, DIR's control and shadow servers run right before ours,
 * so old and new code are measured in the same conditions; `--rounds N` repeats the whole sequence N times.
 * Servers measured one after the other cannot show a 10% difference of p99 on a shared machine: the shadow's cost
 * to the control's p99 (Target 2) is decided by bench/serve-paired.ts (alternating slices, paired bootstrap).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pacedLoad } from './support/paced-load.ts';
import {
  predictBodies,
  processCpu,
  rssMb,
  serveArgs as fraudServeArgs,
  SERVE_READY,
  shadowCounts,
  shadowRan,
  start,
  stop,
  threadCpu,
} from './support/serve-process.ts';

// Every process this bench starts — `m4c` old and new, the hand-written baseline — runs with onnxruntime's telemetry
// off, as `m4c` runs by default (docs/cli.md): the comparison is code against code.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** The parts of autocannon's API used here (it ships no types). */
interface LoadResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
/** autocannon's run: a promise of the result that also emits `response` (client, status, bytes, ms as a float). */
type Tracker = Promise<LoadResult> & {
  on(event: 'response', f: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
type Autocannon = (opts: Record<string, unknown>) => Tracker;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const ROOT = join(import.meta.dirname, '..');
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 32);
/** Requests per second offered, paced (bench/support/paced-load.ts; 0: autocannon's closed loop, as fast as the
 * server answers). A fixed rate below saturation compares latencies without the queueing that any extra CPU adds
 * at saturation. (Not autocannon's `overallRate`: that sends each second's quota in a burst at the second's start.) */
const RATE = arg('rate', 0);

const bodies = predictBodies(ROOT);

/** A load's outcome, its latencies to 0.01 ms (autocannon's own histogram keeps whole milliseconds). */
interface Load {
  reqPerSec: number;
  total: number;
  /** Non-2xx answers, errors, timeouts. */
  errors: number;
  /** Paced loads only: requests that waited for a free connection (see bench/support/paced-load.ts). */
  late: number;
  p50: number;
  p99: number;
  p999: number;
}

/** The most latencies kept (a run at 50,000 req/s for 60 s); beyond, the rest are not recorded. */
const MAX_SAMPLES = 3_000_000;

function percentiles(samples: Float64Array): Pick<Load, 'p50' | 'p99' | 'p999'> {
  const sorted = samples.sort();
  const n = sorted.length;
  const at = (q: number): number => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!);
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

/** Closed loop (autocannon, CONNECTIONS connections) or, with --rate, a paced open loop at RATE req/s. */
async function load(port: number, seconds: number, paced = RATE > 0): Promise<Load> {
  if (paced) {
    const r = await pacedLoad(port, '/v1/predict', bodies, RATE, seconds);
    return { reqPerSec: r.answered / r.seconds, total: r.answered, errors: r.errors, late: r.late, ...percentiles(r.latencies) };
  }
  let i = 0;
  // Every 2xx answer's latency as autocannon measured it (request written → response parsed, float ms): the
  // exact percentiles of a sorted array.
  let samples = new Float64Array(1 << 16);
  let n = 0;
  const tracker = autocannon({
    url: `http://127.0.0.1:${port}/v1/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ setupRequest: (req: object) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
  tracker.on('response', (_client, status, _bytes, ms) => {
    if (status < 200 || status >= 300 || n >= MAX_SAMPLES) return;
    if (n === samples.length) {
      const grown = new Float64Array(samples.length * 2);
      grown.set(samples);
      samples = grown;
    }
    samples[n++] = ms;
  });
  const r = await tracker;
  return {
    reqPerSec: r.requests.average,
    total: r.requests.total,
    errors: r.non2xx + r.errors + r.timeouts,
    late: 0,
    ...percentiles(samples.subarray(0, n)),
  };
}

const BEFORE = process.argv.includes('--before') ? process.argv[process.argv.indexOf('--before') + 1]! : null;
const WINDOW = process.argv.includes('--window') ? process.argv[process.argv.indexOf('--window') + 1]! : null;
/** `--shed-load U`: our shadow server's `--shadow-shed-load` (DIR's gets none: older code has no such flag). */
const SHED_LOAD = process.argv.includes('--shed-load') ? process.argv[process.argv.indexOf('--shed-load') + 1]! : null;
const ROUNDS = arg('rounds', 1);
/**
 * Seconds of load before the measured run (default 2). A shadow server reaches its steady state only once its label
 * store is full (--label-capacity, 100,000 rows) and evicting, with its tombstones (as many again): ~10 s at 20,000
 * req/s. Before that, every row is stored and none evicted.
 */
const WARMUP = arg('warmup', 2);

/** The arguments of `m4c serve` in `--mode mode`, as users start it (run from our tree or --before's). */
function serveArgs(mode: 'control' | 'shadow'): string[] {
  return fraudServeArgs(mode, mode === 'shadow' && WINDOW !== null ? ['--window', WINDOW] : []);
}

interface Config {
  /** Index for --only: 0 baseline, 1 control, 2 shadow. */
  kind: number;
  name: string;
  args: string[];
  pattern: RegExp;
  cwd: string;
}
const configs: Config[] = [
  { kind: 0, name: 'hand-written fastify + ORT', args: ['--import', 'tsx', 'bench/serve-baseline.ts', '0'], pattern: /listening (\d+)/, cwd: ROOT },
];
for (const [kind, mode] of [
  [1, 'control'],
  [2, 'shadow'],
] as const) {
  if (BEFORE !== null) configs.push({ kind, name: `before: m4c serve --mode ${mode}`, args: serveArgs(mode), pattern: SERVE_READY, cwd: BEFORE });
  const ours = serveArgs(mode);
  if (mode === 'shadow' && SHED_LOAD !== null) ours.push('--shadow-shed-load', SHED_LOAD);
  configs.push({
    kind,
    name: `m4c serve --mode ${mode}${mode === 'shadow' && SHED_LOAD !== null ? ` --shadow-shed-load ${SHED_LOAD}` : ''}`,
    args: ours,
    pattern: SERVE_READY,
    cwd: ROOT,
  });
}

console.log(
  `bench/serve.ts: ${SECONDS} s per server after ${WARMUP} s of warm-up, ${RATE > 0 ? `open loop: ${RATE} req/s offered, paced over up to 64 connections` : `closed loop (autocannon, ${CONNECTIONS} connections)`}, single-row requests${WINDOW === null ? '' : `, shadow --window ${WINDOW}`}; load average before: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
const results: string[] = [];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]!.split(',').map(Number) : null;
for (let round = 1; round <= ROUNDS; round++) {
  for (const c of configs) {
    if (only !== null && !only.includes(c.kind)) continue;
    const s = await start(c.args, c.pattern, c.cwd);
    // Warm-up, closed loop whatever --rate says (it fills the label store soonest): JIT, ORT's first runs, the
    // batcher's steady state (and with --warmup, the label store's).
    await load(s.port, WARMUP, false);
    // The counts so far (those of warm-up rows still queued in the shadow arm are counted with the run).
    const shadow0 = c.kind === 2 ? await shadowCounts(s.port) : new Map<string, number>();
    const cpu0 = processCpu(s.child.pid!);
    const threads0 = threadCpu(s.child.pid!);
    const r = await load(s.port, SECONDS);
    const threads = threadCpu(s.child.pid!);
    const cpuUs = ((processCpu(s.child.pid!) - cpu0) / Math.max(1, r.total)) * 1e6;
    const mainUs = ((threads.main - threads0.main) / Math.max(1, r.total)) * 1e6;
    const shadowThreadUs = c.kind === 2 ? (((threads.shadow - threads0.shadow) / Math.max(1, r.total)) * 1e6).toFixed(1) : '–';
    const rss = rssMb(s.child.pid!);
    const shadow = c.kind === 2 ? await shadowRan(s.port, shadow0) : '–';
    results.push(
      `| ${ROUNDS > 1 ? `${round}: ` : ''}${c.name} | ${Math.round(r.reqPerSec).toLocaleString('en-US')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.p999.toFixed(2)} | ${cpuUs.toFixed(1)} | ${mainUs.toFixed(1)} | ${shadowThreadUs} | ${rss.toFixed(0)} | ${shadow} | ${r.errors}${RATE > 0 ? ` / ${r.late}` : ''} | ${loadavg()[0]!.toFixed(1)} |`,
    );
    await stop(s);
  }
}
console.log(
  `| server | req/s | p50 ms | p99 ms | p99.9 ms | CPU µs/req | main thread µs/req | shadow thread µs/req | RSS MB | shadow ran | ${RATE > 0 ? 'errors / waited for a connection' : 'errors'} | load (1 min) |`,
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const line of results) console.log(line);
