/**
 * What the distributed replay tests share: a model-free A/B graph and its data (deterministic), `m4c worker`
 * processes whose job log is watched, a private redis-server on a free port (for the test that restarts
 * it — the shared one is never touched), and the comparison of two records.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { M4C } from '../../support/run-cli.ts';
import { redisPing } from '../../support/services.ts';

/** A graph over recorded scores (no model): what matters here is the split, the queue and the merge. */
export function writeGraph(dir: string, rows: number): { graph: string; data: string } {
  const graph = join(dir, 'ab.m4');
  writeFileSync(
    graph,
    `input y: i64[batch]
input a: f32[batch]
input b: f32[batch]
input region: str[batch]
compare ab {
  control: a
  treatment: b
  label: y
  slice_by: region
  task: binary(threshold: 0.5)
  metrics: [accuracy, precision, recall, f1, auroc, auprc, log_loss, brier, agreement, mean_abs_diff, pearson, spearman, psi]
  bootstrap: 200
  seed: 9
  gate auroc.delta >= -0.02 at 95%
}
`,
  );
  let s = 5;
  const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    if (i % 997 === 13) {
      lines.push('{"y": 1, "a": ');
      continue;
    }
    const y = rnd() < 0.35 ? 1 : 0;
    lines.push(
      JSON.stringify({
        y,
        a: +(0.3 + 0.25 * y + 0.5 * (rnd() - 0.5)).toFixed(6),
        b: +(0.3 + 0.3 * y + 0.45 * (rnd() - 0.5)).toFixed(6),
        region: ['eu', 'us', 'apac', 'latam'][i % 4],
      }),
    );
  }
  const data = join(dir, 'replay.jsonl');
  writeFileSync(data, `${lines.join('\n')}\n`);
  return { graph, data };
}

/** An `m4c` child process whose stderr is collected. */
export interface M4cProcess {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export function m4cProcess(args: string[]): M4cProcess {
  const child = spawn(process.execPath, [M4C, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of [...waiters]) {
      const m = err.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    stderr: () => err,
    stdout: () => out,
    waitFor(re, timeoutMs = 120_000) {
      const m = err.match(re);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${err}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (mm) => {
            clearTimeout(timer);
            resolve(mm);
          },
        });
      });
    },
  };
}

/** `m4c worker` processes on a queue; resolves once each is waiting for jobs. */
export async function startWorkers(n: number, queue: string, prefix: string, stallSeconds = 30): Promise<M4cProcess[]> {
  const workers = Array.from({ length: n }, () =>
    m4cProcess(['worker', '--queue', queue, '--queue-prefix', prefix, '--stall-seconds', String(stallSeconds)]),
  );
  await Promise.all(workers.map((w) => w.waitFor(/waiting for jobs/)));
  return workers;
}

/** Stop workers (SIGTERM, then SIGKILL after a grace period). */
export async function stopAll(procs: readonly M4cProcess[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await p.exited;
      clearTimeout(timer);
    }),
  );
}

/** A private redis-server on a free loopback port; with `persist`, an append-only file fsynced on every write. */
export async function privateRedis(
  persist: { dir: string } | null = null,
): Promise<{ url: string; port: number; start(): Promise<void>; kill(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  let proc: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const persistence = persist === null ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', persist.dir];
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--protected-mode', 'yes'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    while ((await redisPing('127.0.0.1', port, 500)) !== true) {
      if (Date.now() > deadline) throw new Error('private redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async (): Promise<void> => {
    if (proc === undefined || proc.exitCode !== null) return;
    const p = proc;
    const exited = new Promise((r) => p.on('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, kill };
}

/** The stored record of the one run in a results file: run row, metrics, gates, slices, result JSON. */
export function storedRecord(path: string): {
  run: Record<string, unknown>;
  metrics: Record<string, unknown>[];
  gates: Record<string, unknown>[];
  slices: Record<string, unknown>[];
  skipped: Record<string, unknown>[];
} {
  const d = new Database(path, { readonly: true });
  try {
    const runs = d.prepare('SELECT * FROM runs').all() as Record<string, unknown>[];
    expect(runs, `${path} holds one run`).toHaveLength(1);
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ run_id: _r, ...rest }) => rest);
    return {
      run: runs[0]!,
      metrics: strip(d.prepare('SELECT * FROM metrics ORDER BY metric, field').all() as Record<string, unknown>[]),
      gates: strip(d.prepare('SELECT * FROM gates ORDER BY position').all() as Record<string, unknown>[]),
      slices: strip(d.prepare('SELECT * FROM slices ORDER BY slice, metric').all() as Record<string, unknown>[]),
      skipped: strip(d.prepare('SELECT * FROM skipped_rows ORDER BY stage, reason').all() as Record<string, unknown>[]),
    };
  } finally {
    d.close();
  }
}

/**
 * The merged record equals the unsharded one, metric for metric, bit for bit: every value and interval
 * bound, float sums (log loss, Brier, Pearson, PSI) included — the point estimate's sums are exact
 * (stdlib/metrics/exact-sum.ts), so the order rows were added in never shows. `toEqual` compares numbers
 * with `Object.is`; each row is also checked field by field with `toBe` to name the first difference.
 */
export function expectSameRecord(merged: ReturnType<typeof storedRecord>, single: ReturnType<typeof storedRecord>, shards: number): void {
  expect(merged.metrics.map((m) => [m.metric, m.field])).toEqual(single.metrics.map((m) => [m.metric, m.field]));
  merged.metrics.forEach((m, i) => {
    const s = single.metrics[i]!;
    expect(Object.keys(m).sort()).toEqual(Object.keys(s).sort());
    for (const k of Object.keys(s)) expect(m[k], `${String(m.metric)}.${String(m.field)}.${k}`).toBe(s[k]);
  });
  for (const name of ['log_loss', 'brier', 'pearson', 'psi', 'mean_abs_diff'])
    expect(
      merged.metrics.some((m) => m.metric === name && typeof m.value === 'number' && typeof m.ci_low === 'number'),
      name,
    ).toBe(true);
  // The whole comparison result (charts, tests, distributions) too.
  expect(JSON.parse(merged.run.result_json as string)).toEqual(JSON.parse(single.run.result_json as string));
  expect(merged.gates).toEqual(single.gates);
  expect(merged.slices).toEqual(single.slices);
  expect(merged.skipped).toEqual(single.skipped);
  for (const k of [
    'status',
    'passed',
    'rows_seen',
    'rows_counted',
    'rows_skipped',
    'plan_hash',
    'data_bytes',
    'data_head_sha256',
    'bootstrap',
    'seed',
    'confidence',
  ]) {
    expect(merged.run[k], k).toEqual(single.run[k]);
  }
  expect(merged.run.merged_shards).toBe(shards);
}
