/**
 * What `m4c run` and `m4c compare` show around a replay, the same for both: a progress bar on a terminal
 * (by bytes when the size is known, else rows), and the end-of-run summary on stderr (rows processed,
 * rows read and skipped by reason with the first examples, time, engine).
 */
import cliProgress from 'cli-progress';
import type { ReplayRows } from '../runtime/replay.ts';
import type { SourceStats } from '../runtime/sources/index.ts';

/** Progress by bytes read (rows when the size is unknown: a pipe, stdin), with rows/s and ETA; only on a terminal. */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private stats: SourceStats | null = null;
  private rows = 0;
  private started = performance.now();

  constructor(
    private readonly enabled: boolean,
    private readonly command: string,
  ) {}

  /** Start once the models are loaded, so rows/s and the ETA reflect the replay itself. */
  start(stats: SourceStats): void {
    if (!this.enabled) return;
    this.stats = stats;
    this.started = performance.now();
    const sized = stats.totalBytes !== null;
    this.bar = new cliProgress.SingleBar(
      {
        format: sized
          ? `m4c ${this.command} |{bar}| {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}`
          : `m4c ${this.command} | {rows} rows | {speed} rows/s`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(1, stats.totalBytes ?? 1), 0, { rows: 0, speed: 0 });
  }

  update(rows: number): void {
    if (!this.bar || !this.stats) return;
    this.rows += rows;
    const seconds = (performance.now() - this.started) / 1000;
    const payload = { rows: this.rows.toLocaleString('en-US'), speed: Math.round(this.rows / Math.max(seconds, 1e-3)).toLocaleString('en-US') };
    this.bar.update(this.stats.totalBytes === null ? 0 : this.stats.bytesRead, payload);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function plural(n: number, word: string): string {
  return `${fmt(n)} ${word}${n === 1 ? '' : word.endsWith('h') ? 'es' : 's'}`;
}

/**
 * The end-of-run summary: counts, skipped rows by reason with examples, time and rate, engine. On an
 * interrupted run "rows read" equals the rows processed plus those skipped: no row is read and dropped.
 */
export function replaySummary(command: string, end: ReplayRows, extra: string[] = []): string {
  const r = end.result;
  const stats = end.stats;
  const seconds = end.runMs / 1000;
  const lines: string[] = [];
  const head = r.interrupted ? 'interrupted (Ctrl-C): ' : '';
  lines.push(
    `${head}${plural(r.rows, 'row')} processed in ${plural(r.batches, 'batch')}, ${seconds.toFixed(2)} s (${fmt(Math.round(r.rows / Math.max(seconds, 1e-6)))} rows/s) after ${(end.startupMs / 1000).toFixed(2)} s start-up`,
  );
  const skipped = Object.entries(stats.skipped) as [string, number][];
  const skippedTotal = skipped.reduce((s, [, n]) => s + n, 0);
  lines.push(
    `rows read: ${fmt(stats.rowsRead)}, skipped: ${fmt(skippedTotal)}${skippedTotal > 0 ? ` (${skipped.map(([k, n]) => `${k}: ${fmt(n)}`).join(', ')})` : ''}`,
  );
  for (const e of stats.examples) lines.push(`  line ${e.line}: ${e.reason}: ${e.detail}`);
  if (stats.absentOptional.length > 0) lines.push(`optional inputs absent from the data: ${stats.absentOptional.join(', ')}`);
  lines.push(`engine: ${end.engine.name}${end.engine.workers > 0 ? ` (${plural(end.engine.workers, 'worker thread')})` : ''}: ${end.engine.reason}`);
  lines.push(...extra);
  return `${lines.map((l) => `m4c ${command}: ${l}`).join('\n')}\n`;
}
