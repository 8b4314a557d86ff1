/**
 * Dashboard speed with a large results database (issue 7).
 *
 *   npx tsx bench/dashboard.ts [--runs 10000] [--db PATH]
 *
 * Writes N runs through the real SQLite sink (12 distinct comparison results computed by the metrics
 * library, cycled over 8 graphs/comparisons with distinct times and models; one run with the
 * compiler's default 1000 bootstrap resamples), starts the real server on 127.0.0.1, and measures
 * over HTTP, as the UI asks for them:
 *   - the runs list (first page; filtered; sorted by verdict; last page): target < 100 ms;
 *   - a run page's data (a typical run, and the 1000-resample run): target < 200 ms;
 *   - a trend over the newest 500 runs of one comparison.
 * Each figure is the median server time (the handler's `Server-Timing`) of 25 requests after 3
 * warm-ups, printed next to a baseline measured in the same run on the same database: the bare
 * better-sqlite3 query that any runs list needs (newest 50 ids), and reading + parsing one
 * `result_json` (what any run page needs). `--db PATH` keeps the database (and reuses it if it
 * already holds N runs).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startDashboard } from '../dashboard/server.ts';
import { SqliteSink } from '../runtime/sinks/sqlite-sink.ts';
import { evaluateGates } from '../stdlib/metrics/gates.ts';
import { recordOf } from '../test/dashboard/support/fixture-db.ts';
import { binaryResult, gate, type FixtureRun } from '../test/dashboard/support/fixture-runs.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const N = Number(arg('--runs') ?? 10_000);
const keep = arg('--db');
const dir = keep === undefined ? mkdtempSync(join(tmpdir(), 'm4-bench-dash-')) : undefined;
const dbPath = keep ?? join(dir!, 'bench.db');
const REPS = 25;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const GATES = [gate('auroc', 'delta', '>=', -0.01), gate('recall', 'delta', '>=', -0.02, 0.95), gate('agreement', 'value', '>=', 0.8)];

function existingRuns(path: string): number {
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function build(path: string): { seconds: number } {
  const t0 = performance.now();
  const pool = Array.from({ length: 12 }, (_, k) =>
    binaryResult({
      seed: 500 + k,
      rows: 3000,
      lift: (k % 6) * 0.1,
      positives: 0.3,
      bootstrap: k < 6 ? 200 : 0,
      slices: ['eu', 'us', 'apac', 'latam', 'mea', 'other'],
      badSlice: k % 4 === 0 ? 'latam' : undefined,
    }),
  );
  const heavy = binaryResult({
    seed: 999,
    rows: 5000,
    lift: 0.3,
    positives: 0.3,
    bootstrap: 1000,
    slices: ['eu', 'us', 'apac', 'latam', 'mea', 'other'],
  });
  const sink = SqliteSink.open(path);
  const start = Date.parse('2023-01-01T00:00:00Z');
  try {
    for (let i = 0; i < N; i++) {
      const result = i === N - 1 ? heavy : pool[i % pool.length]!;
      const g = i % 8;
      const run: FixtureRun = {
        startedAt: new Date(start + i * 3_600_000),
        finishedAt: new Date(start + i * 3_600_000 + 60_000),
        sourceFile: `graphs/model-${g % 4}/ab.m4`,
        planHash: `${(i % 97).toString(16).padStart(2, '0')}`.repeat(32),
        comparison: g < 4 ? 'candidate_vs_prod' : `shadow_${g}`,
        dataSource: `replays/${i}.jsonl`,
        models: [
          { role: 'control', name: `prod-${g}`, path: `/models/prod-${g}.onnx`, sha256: 'a'.repeat(64) },
          { role: 'treatment', name: `cand-${g}-${Math.floor(i / 50)}`, path: `/models/cand-${i}.onnx`, sha256: (i % 16).toString(16).repeat(64) },
        ],
        gates: GATES,
        verdicts: evaluateGates(result, GATES),
        result,
      };
      sink.insertRecord(recordOf(run));
    }
  } finally {
    sink.close();
  }
  return { seconds: (performance.now() - t0) / 1000 };
}

const have = existingRuns(dbPath);
if (have !== N) {
  if (have > 0) throw new Error(`${dbPath} holds ${have} runs, not ${N}: give another --db`);
  process.stdout.write(`writing ${N} runs through the SQLite sink to ${dbPath} ...\n`);
  const { seconds } = build(dbPath);
  process.stdout.write(`  ${seconds.toFixed(1)} s, ${(statSync(dbPath).size / 1e6).toFixed(0)} MB\n`);
}

// Baselines: the least any runs list or run page must do, straight through better-sqlite3.
const raw = new Database(dbPath, { readonly: true });
const listStmt = raw.prepare('SELECT id, started_at FROM runs ORDER BY started_at DESC LIMIT 50');
const jsonStmt = raw.prepare('SELECT result_json FROM runs WHERE id = ?');
const heavyId = (raw.prepare('SELECT MAX(id) AS id FROM runs').get() as { id: number }).id;
// The newest run with 200 resamples: a typical result size.
const typicalId = (raw.prepare('SELECT MAX(id) AS id FROM runs WHERE bootstrap = 200').get() as { id: number }).id;
function timeIt(f: () => void): number {
  for (let i = 0; i < 3; i++) f();
  const xs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    f();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}
const baseList = timeIt(() => listStmt.all());
const baseTypical = timeIt(() => JSON.parse((jsonStmt.get(typicalId) as { result_json: string }).result_json));
const baseHeavy = timeIt(() => JSON.parse((jsonStmt.get(heavyId) as { result_json: string }).result_json));
raw.close();

const server = await startDashboard({ db: dbPath, port: 0 });

async function measure(path: string): Promise<{ server: number; roundTrip: number; bytes: number }> {
  const srv: number[] = [],
    rt: number[] = [];
  let bytes = 0;
  for (let i = 0; i < REPS + 3; i++) {
    const t0 = performance.now();
    const res = await fetch(server.url + path.slice(1));
    const body = await res.text();
    const t1 = performance.now();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${body}`);
    if (i < 3) continue;
    srv.push(Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')![1]));
    rt.push(t1 - t0);
    bytes = body.length;
  }
  return { server: median(srv), roundTrip: median(rt), bytes };
}

const rows: [string, string, number, number][] = [
  ['runs list: newest 50', '/api/runs', 100, baseList],
  ['runs list: text filter', '/api/runs?q=cand-3-1', 100, baseList],
  ['runs list: sorted by verdict', '/api/runs?sort=verdict&order=asc', 100, baseList],
  ['runs list: last page', `/api/runs?offset=${Math.max(0, N - 50)}`, 100, baseList],
  ['runs list: 2 metric columns', '/api/runs?metrics=auroc,recall', 100, baseList],
  ['runs list: sorted by auroc Δ', '/api/runs?metrics=auroc,recall&sort=metric:auroc', 100, baseList],
  ['run page data: typical run', `/api/runs/${typicalId}`, 200, baseTypical],
  ['run page data: 1000 resamples', `/api/runs/${heavyId}`, 200, baseHeavy],
  ['trend: newest 500 runs', '/api/trend?graph=graphs%2Fmodel-0%2Fab.m4&comparison=candidate_vs_prod&metric=auroc', 200, baseList],
];
process.stdout.write(`\nnpx tsx bench/dashboard.ts --runs ${N}   (median of ${REPS}, after 3 warm-ups; node ${process.version})\n\n`);
process.stdout.write(
  `${'request'.padEnd(32)} ${'server ms'.padStart(10)} ${'round trip'.padStart(11)} ${'target'.padStart(8)} ${'baseline ms'.padStart(12)} ${'× baseline'.padStart(11)} ${'bytes'.padStart(9)}\n`,
);
for (const [label, path, target, base] of rows) {
  const m = await measure(path);
  process.stdout.write(
    `${label.padEnd(32)} ${m.server.toFixed(2).padStart(10)} ${m.roundTrip.toFixed(2).padStart(11)} ${`< ${target}`.padStart(8)} ${base.toFixed(2).padStart(12)} ${(m.server / base).toFixed(1).padStart(11)} ${String(m.bytes).padStart(9)}\n`,
  );
}
process.stdout.write(
  `\nbaselines: runs list / trend = bare \`SELECT id, started_at ... ORDER BY started_at DESC LIMIT 50\`; run page = read + JSON.parse of that run's result_json\n`,
);
await server.close();
if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
