/**
 * What shadow mode costs the control's latency, measured so that the answer can decide issue 13's Target 2
 * ("shadow on costs ≤ 10% of the control's p99"):
 *
 *   npx tsx bench/serve-paired.ts [--a control] [--b shadow] [--rate 2000] [--slice 1] [--pairs 60] [--gap 0.2]
 *     [--warmup 20] [--resamples 2000] [--seed 1] [--dir-a DIR] [--dir-b DIR] [--b-args "--shadow-shed-load 1"]
 *     [--node-a "FLAGS"] [--node-b "FLAGS"]
 *
 * Starts two `m4c serve examples/fraud/ab.m4` processes — A in `--mode A` (default control) and B in `--mode B`
 * (default shadow; `--a control --b control` is the A/A check of the method itself) — warms each in turn
 * (`--warmup` s of closed loop: JIT, onnxruntime's first runs, the shadow's label store full and evicting), then
 * offers both the same paced load (`--rate` single-row req/s, bench/support/paced-load.ts, each server over its own
 * 64 keep-alive connections opened once) in 2·`--pairs` slices of `--slice` s, alternated A B B A A B B A …, with
 * `--gap` s of quiet after each (so what one server still does after its slice — the shadow's queue — falls in no
 * slice of the other). Each pair of adjacent slices (one of each) is a block of the paired bootstrap
 * (bench/support/paired-latency.ts says why): the report gives each server's pooled p50, p99 and p99.9, the ratio
 * B/A with its 95% interval and the share of resamples where B/A > 1.10, then each server's CPU µs per request by
 * thread over the slices (the figures least sensitive to other load) and the shadow's share of rows run.
 *
 * Read it as: the p99 ratio's interval below 1.10 → Target 2 met; above → not; straddling → not decided at this
 * load (more pairs, or a quieter machine). Whatever `--dir-a`/`--dir-b` (a built checkout, read only), both run
 * the same request bodies from this tree.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pacedClient, type PacedClient } from './support/paced-load.ts';
import { pairedQuantiles, type Estimate, type SlicePair } from './support/paired-latency.ts';
import {
  predictBodies,
  rssMb,
  schedStat,
  serveArgs,
  SERVE_READY,
  shadowCounts,
  shadowRan,
  start,
  stop,
  threadCpu,
  type Server,
  type ThreadCpu,
} from './support/serve-process.ts';

// Every server runs with onnxruntime's telemetry off, as `m4c` runs by default (docs/cli.md).
process.env.ORT_DISABLE_TELEMETRY ??= '1';

const ROOT = join(import.meta.dirname, '..');
const opt = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const num = (name: string, dflt: number): number => Number(opt(name, String(dflt)));
const MODE_A = opt('a', 'control') as 'control' | 'shadow';
const MODE_B = opt('b', 'shadow') as 'control' | 'shadow';
const DIR_A = opt('dir-a', ROOT);
const DIR_B = opt('dir-b', ROOT);
const words = (name: string): string[] =>
  opt(name, '')
    .split(' ')
    .filter((a) => a !== '');
const ARGS_B = words('b-args');
/** Node's own flags for A's or B's process (e.g. `--node-b "--single-threaded-gc"`), before bin/m4c.js. */
const NODE_A = words('node-a');
const NODE_B = words('node-b');
const RATE = num('rate', 2000);
const SLICE = num('slice', 1);
const PAIRS = num('pairs', 60);
const GAP = num('gap', 0.2);
const WARMUP = num('warmup', 20);
const RESAMPLES = num('resamples', 2000);
const SEED = num('seed', 1);
for (const m of [MODE_A, MODE_B]) if (m !== 'control' && m !== 'shadow') throw new Error(`--a/--b: control or shadow, not ${m}`);

const bodies = predictBodies(ROOT);

/** autocannon's closed loop for the warm-up (it ships no types). */
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: Record<string, unknown>) => Promise<unknown>;
async function warm(port: number): Promise<void> {
  let i = 0;
  await autocannon({
    url: `http://127.0.0.1:${port}/v1/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: 32,
    duration: WARMUP,
    requests: [{ setupRequest: (req: object) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
}

interface Arm {
  name: string;
  mode: 'control' | 'shadow';
  server: Server;
  client: PacedClient;
  slices: Float64Array[];
  answered: number;
  errors: number;
  late: number;
  cpu0: ThreadCpu;
  shadow0: Map<string, number>;
  /** Over this server's slices: its main thread's and the load generator's (this process's) time waiting for a CPU, and their runs. */
  wait: { server: number; serverRuns: number; generator: number; generatorRuns: number };
}

const load0 = loadavg()[0]!;
console.log(
  `bench/serve-paired.ts: A = ${NODE_A.length > 0 ? `node ${NODE_A.join(' ')} ` : ''}m4c serve --mode ${MODE_A}${DIR_A === ROOT ? '' : ` (${DIR_A})`}, B = ${NODE_B.length > 0 ? `node ${NODE_B.join(' ')} ` : ''}--mode ${MODE_B}${ARGS_B.length > 0 ? ` ${ARGS_B.join(' ')}` : ''}${DIR_B === ROOT ? '' : ` (${DIR_B})`}; ` +
    `${WARMUP} s warm-up each, then ${PAIRS} pairs of ${SLICE} s slices at ${RATE} req/s (A B B A …, ${GAP} s apart); load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
);

async function arm(name: string, mode: 'control' | 'shadow', dir: string, extra: string[], node: string[]): Promise<Arm> {
  const server = await start([...node, ...serveArgs(mode, extra)], SERVE_READY, dir);
  started.push(server);
  await warm(server.port);
  const client = await pacedClient(server.port, '/v1/predict', bodies);
  return {
    name,
    mode,
    server,
    client,
    slices: [],
    answered: 0,
    errors: 0,
    late: 0,
    cpu0: threadCpu(server.child.pid!),
    shadow0: new Map(),
    wait: { server: 0, serverRuns: 0, generator: 0, generatorRuns: 0 },
  };
}
// A failure leaves no server behind (they hold this process's stderr).
const started: Server[] = [];
process.on('exit', () => started.forEach((s) => s.child.kill('SIGKILL')));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(1));
const A = await arm('A', MODE_A, DIR_A, [], NODE_A);
const B = await arm('B', MODE_B, DIR_B, ARGS_B, NODE_B);
// Both warm; the CPU and shadow counts from here on are the slices' (A's warm-up ended before B's: re-read A's).
for (const x of [A, B]) {
  x.cpu0 = threadCpu(x.server.child.pid!);
  x.shadow0 = x.mode === 'shadow' ? await shadowCounts(x.server.port) : new Map();
}

const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));
async function slice(x: Arm): Promise<void> {
  const s0 = schedStat(x.server.child.pid!);
  const g0 = schedStat(process.pid);
  const r = await x.client.run(RATE, SLICE);
  const s1 = schedStat(x.server.child.pid!);
  const g1 = schedStat(process.pid);
  x.wait.server += s1.waiting - s0.waiting;
  x.wait.serverRuns += s1.runs - s0.runs;
  x.wait.generator += g1.waiting - g0.waiting;
  x.wait.generatorRuns += g1.runs - g0.runs;
  x.slices.push(r.latencies.slice().sort());
  x.answered += r.answered;
  x.errors += r.errors;
  x.late += r.late;
  await sleep(GAP);
}
const t0 = performance.now();
for (let p = 0; p < PAIRS; p++) {
  // A B, then B A: each server goes first as often as the other, and drift falls evenly on both.
  const [first, second] = p % 2 === 0 ? [A, B] : [B, A];
  await slice(first);
  await slice(second);
}
const seconds = (performance.now() - t0) / 1000;

const report = async (x: Arm): Promise<string> => {
  const c = threadCpu(x.server.child.pid!);
  const us = (k: keyof ThreadCpu): string => (((c[k] - x.cpu0[k]) / Math.max(1, x.answered)) * 1e6).toFixed(1);
  const all =
    ((c.main + c.shadow + c.comparisons + c.other - (x.cpu0.main + x.cpu0.shadow + x.cpu0.comparisons + x.cpu0.other)) / Math.max(1, x.answered)) *
    1e6;
  const ran = x.mode === 'shadow' ? await shadowRan(x.server.port, x.shadow0) : '–';
  const w = x.wait;
  const waits = `${((w.server / Math.max(1, x.answered)) * 1e6).toFixed(1)} (${((w.server / Math.max(1, w.serverRuns)) * 1e6).toFixed(1)}) | ${((w.generator / Math.max(1, x.answered)) * 1e6).toFixed(1)} (${((w.generator / Math.max(1, w.generatorRuns)) * 1e6).toFixed(1)})`;
  return `| ${x.name}: --mode ${x.mode} | ${x.answered} | ${x.errors} / ${x.late} | ${all.toFixed(1)} | ${us('main')} | ${us('shadow')} | ${us('comparisons')} | ${us('other')} | ${waits} | ${rssMb(x.server.child.pid!).toFixed(0)} | ${ran} |`;
};
const rows = [await report(A), await report(B)];

const pairs: SlicePair[] = A.slices.map((a, i) => ({ a, b: B.slices[i]! }));
const est = pairedQuantiles(pairs, [0.5, 0.99, 0.999], { resamples: RESAMPLES, seed: SEED, over: 1.1 });
const ms = (e: Estimate): string => `${e.value.toFixed(3)} [${e.low.toFixed(3)}, ${e.high.toFixed(3)}]`;
const ratio = (e: Estimate): string => `**${e.value.toFixed(3)}** [${e.low.toFixed(3)}, ${e.high.toFixed(3)}]`;

console.log(`\n${PAIRS} pairs in ${seconds.toFixed(0)} s; load average ${load0.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`);
console.log(`| quantile | A ms [95%] | B ms [95%] | B / A [95%] | resamples with B / A > 1.10 |`);
console.log('|---|---|---|---|---|');
for (const e of est) console.log(`| p${(e.q * 100).toString()} | ${ms(e.a)} | ${ms(e.b)} | ${ratio(e.ratio)} | ${(100 * e.shareOver).toFixed(1)}% |`);
console.log(
  `\n| server | answered | errors / waited for a connection | CPU µs/req | main | shadow's thread | comparisons' | other threads | main thread waited for a CPU, µs/req (per run) | the generator waited, µs/req (per run) | RSS MB | shadow ran |`,
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
const p99 = est[1]!.ratio;
console.log(
  `\n${MODE_A === 'control' && MODE_B === 'shadow' ? 'Target 2' : 'B against A'} (B's p99 ≤ 1.10 × A's): ${p99.high <= 1.1 ? 'met (the interval is below 1.10)' : p99.low > 1.1 ? 'NOT met (the interval is above 1.10)' : 'not decided at this load (the interval straddles 1.10)'}` +
    (MODE_A === MODE_B && DIR_A === DIR_B && ARGS_B.length === 0 && NODE_A.join(' ') === NODE_B.join(' ')
      ? `; A/A check: the interval ${p99.low <= 1 && p99.high >= 1 ? 'covers' : 'does NOT cover'} 1`
      : ''),
);
// The figures are out: now the servers (bounded: see stop()).
A.client.close();
B.client.close();
await Promise.all([stop(A.server), stop(B.server)]);
process.exit(0);
