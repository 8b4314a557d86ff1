/**
 * `m4c run FILE --data PATH --queue redis://… --shards N`: the replay split into N shards run by
 * `m4c worker` processes anywhere, merged by one of them into the one record (see
 * runtime/distributed/). This command submits the flow, shows the whole replay's progress (shards done,
 * rows/s, ETA) on stderr, and prints the report of the merged run — equal to a single-process run's.
 */
import { isAbsolute } from 'node:path';
import type { Plan } from '../../plan/plan-types.ts';
import type { ReplayProgress } from '../../runtime/distributed/submit-replay.ts';
import { colorFor, renderReport, type ReportFormat } from '../../runtime/report/render-report.ts';
import type { EngineChoice } from '../../runtime/scheduler.ts';
import { isPostgresUrl } from '../../runtime/sinks/store-location.ts';
import { CliError } from '../exit-codes.ts';

export interface DistributedRunOptions {
  queue: string;
  queuePrefix: string;
  shards: number;
  data: string;
  db?: string;
  format: ReportFormat;
  quiet?: boolean;
  batchSize: number;
  onBadRow: 'skip' | 'fail';
  engine: EngineChoice;
}

/** Flags that make no sense with --queue: each shard's rows and outputs stay on its worker. */
export function checkDistributedFlags(o: { out?: string; limit?: number; shard?: unknown; state?: string; shards?: number }): void {
  if (o.shards === undefined) throw new CliError('--queue needs --shards N: how many shard jobs to split the replay into');
  for (const [flag, given] of [
    ['--out', o.out],
    ['--limit', o.limit],
    ['--shard', o.shard],
    ['--state', o.state],
  ] as const) {
    if (given !== undefined) throw new CliError(`${flag} cannot be combined with --queue: the shards run on the workers`);
  }
}

/**
 * Every path a worker opens must mean the same file on every machine: refuse a relative data path (a
 * worker would resolve it against its own directory) and a relative --db file.
 */
function checkShared(data: string, db: string | undefined): void {
  if (!isAbsolute(data)) {
    throw new CliError(
      `--data ${data} is relative: workers on other machines would resolve it against their own directory. Give an absolute path on storage every worker mounts (an NFS or object-store mount, see docs/scale.md)`,
    );
  }
  if (db !== undefined && !isPostgresUrl(db) && !isAbsolute(db)) {
    throw new CliError(`--db ${db} is relative: the worker that merges writes it. Give a postgres:// URL or an absolute path on shared storage`);
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function progressLine(p: ReplayProgress): string {
  const eta = p.etaSeconds === null ? 'ETA …' : `ETA ${Math.ceil(p.etaSeconds)} s`;
  return `m4c run: ${p.shardsDone}/${p.shards} shards done, ${fmt(p.rows)} rows, ${fmt(p.rowsPerSecond)} rows/s, ${eta}`;
}

/** Submit, follow, print the report; the exit code is the merged run's (1 when a gate failed). */
export async function runDistributed(plan: Plan, o: DistributedRunOptions): Promise<number> {
  checkShared(o.data, o.db);
  if (plan.comparisons.length === 0) throw new CliError("--queue replays a graph's comparisons and merges them: this graph has no compare block");
  const { submitReplay } = await import('../../runtime/distributed/submit-replay.ts');
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.on('SIGINT', onSigint);
  try {
    const t0 = performance.now();
    const result = await submitReplay({
      url: o.queue,
      prefix: o.queuePrefix,
      plan,
      data: o.data,
      shards: o.shards,
      db: o.db ?? null,
      batchSize: o.batchSize,
      onBadRow: o.onBadRow,
      engine: o.engine,
      signal: abort.signal,
      onSubmitted: (replay) => {
        if (!o.quiet)
          process.stderr.write(`m4c run: replay ${replay} submitted as ${o.shards} shard jobs; waiting for workers (m4c worker --queue ...)\n`);
      },
      onProgress: (p) => {
        if (o.quiet) return;
        if (tty) process.stderr.write(`\r${progressLine(p)}\u001b[K`);
        else if (performance.now() - lastLine > 5000) {
          lastLine = performance.now();
          process.stderr.write(`${progressLine(p)}\n`);
        }
      },
    });
    if (!o.quiet) {
      const seconds = (performance.now() - t0) / 1000;
      const rows = result.outcome.meta.rows_seen;
      process.stderr.write(
        `${tty ? '\r\u001b[K' : ''}m4c run: ${o.shards}/${o.shards} shards done, ${fmt(rows)} rows in ${seconds.toFixed(2)} s (${fmt(rows / Math.max(seconds, 1e-3))} rows/s); ` +
          `${result.alreadyRecorded ? 'the record was already written by an earlier merge attempt' : `record written to ${result.sinks.join(', ') || 'no sink'}`} (run key ${result.replay})\n`,
      );
    }
    process.stdout.write(renderReport(result.outcome, o.format, { color: o.format === 'human' && colorFor(process.stdout) }));
    return result.outcome.exitCode;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
