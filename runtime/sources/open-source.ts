/**
 * `openSource`: the streaming loop that turns a data file into batches.
 *
 * Each `next()` first parses, synchronously, every whole record already read, and only awaits the
 * disk when it runs out of text (one block, ~1 MiB, at a time). So while the executor runs batch k
 * in worker threads, its call for batch k+1 costs one synchronous parse of ~batchSize rows plus an
 * occasional read — and nothing is parsed before it is asked for, which keeps memory flat.
 *
 * The first good row of the FILE (whatever the shard) fixes the layout: which optional inputs are
 * present and the size of `?`/symbolic dims. Using the file's first good row, not the shard's, is
 * what makes every shard of a run read the same inputs with the same shapes.
 */
import { statSync } from 'node:fs';
import { BadRow } from './bad-row.ts';
import { BatchBuilder } from './batch-builder.ts';
import { ByteStringCache } from './byte-string-cache.ts';
import { ColumnarSource } from './columnar-source.ts';
import { CsvFormat } from './csv-format.ts';
import { planSlots, type InputSlot, type SourceLayout } from './input-layout.ts';
import { JsonlFormat } from './jsonl-format.ts';
import type { RowFormat } from './row-format.ts';
import { SourceError } from './source-error.ts';
import {
  DEFAULT_MAX_EXAMPLES,
  freshStats,
  type Batch,
  type DataSource,
  type SourceFormat,
  type SourceOptions,
  type SourceStats,
} from './source-types.ts';
import { STDIN_PATH, TextBlockReader } from './text-block-reader.ts';
import { DONE, SerialBatches } from './serial-batches.ts';

/** Knobs for tests and benchmarks; the defaults are what production uses. */
export interface SourceTuning {
  /** Use the fast JSONL scanner (default true). */
  fastJsonl?: boolean;
  /** Bytes per disk read (default 1 MiB); tiny values exercise block boundaries in tests. */
  chunkBytes?: number;
  /** Parquet: decode the columns it can with the page decoder (default true); off, hyparquet assembles every column. */
  parquetPageDecoder?: boolean;
  /** Parquet: decode on a thread of its own (default: for files of several groups and ≥ 200,000 rows). */
  parquetDecodeThread?: boolean;
  /** Columnar files: fill batches a column at a time (default true); off, row by row as in interleaved shards. */
  columnFill?: boolean;
}

/**
 * Open a data file for streaming. Checks the options, the inputs and that the file exists, and
 * throws a `SourceError` (never anything else for a user mistake) when one is unusable; problems in
 * the data surface from the iterator: bad rows, or a `SourceError` in `fail` mode.
 */
export function openSource(path: string, opts: SourceOptions, tuning: SourceTuning = {}): DataSource {
  checkOptions(path, opts);
  const slots = planSlots(opts.inputs);
  if (!Array.isArray(slots)) throw new SourceError(path, null, 'unsupported', slots.problem);
  const { format, gzip } = formatOf(path, opts.format);
  const columnar = format === 'parquet' || format === 'arrow';
  if (path === STDIN_PATH) {
    if (columnar) throw new SourceError('standard input', null, 'unsupported', `${format} is read by position: give a file, not standard input`);
    return new StreamingSource(path, opts, slots, format, gzip, null, tuning);
  }
  let totalBytes: number | null;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new SourceError(path, null, 'unreadable', 'is a directory, not a data file');
    // A named pipe or a device has no size: progress is shown in rows only.
    totalBytes = st.isFile() ? st.size : null;
  } catch (err) {
    if (err instanceof SourceError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceError(path, null, 'unreadable', code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
  if (columnar) {
    if (gzip) throw new SourceError(path, null, 'unsupported', `a ${format} file compresses inside itself: give it without .gz`);
    if (totalBytes === null)
      throw new SourceError(path, null, 'unsupported', `${format} is read by position: give a regular file, not a pipe or device`);
    // The readers (hyparquet, apache-arrow: ~0.7 MB of code) load only when a columnar file is read.
    const opener =
      format === 'parquet'
        ? async (p: string) =>
            (await import('./parquet-file.ts')).openParquet(p, { pageDecoder: tuning.parquetPageDecoder, decodeThread: tuning.parquetDecodeThread })
        : async (p: string) => (await import('./arrow-file.ts')).openArrow(p);
    return new ColumnarSource(path, opts, slots, opener, totalBytes, { columnFill: tuning.columnFill ?? true });
  }
  return new StreamingSource(path, opts, slots, format as 'jsonl' | 'csv', gzip, totalBytes, tuning);
}

const FORMATS: readonly SourceFormat[] = ['jsonl', 'csv', 'parquet', 'arrow'];

/**
 * Rows per batch for a columnar file when the user gives none (text files: 1,024). A columnar file is
 * decoded a group (65,536 rows by default in writers) at a time anyway, so a batch costs the source
 * nothing more; what a batch does cost is fixed work per batch in the executor (a hand-off to each model
 * worker and back, the wake-ups, a model call), which at 1,024 rows was ~0.3–0.7 s of CPU per 1M rows
 * of the fraud replay. 16,384 divides the usual group sizes (no batch straddles two groups) and keeps a batch's
 * tensors at a few MB; larger batches were no cheaper and leave the models idle longer while the first
 * batch is read (docs/performance.md, "Columnar replay").
 */
export const COLUMNAR_BATCH_SIZE = 16384;

/** Whether `path` (with `format` if given) is read as a columnar file (Parquet, Arrow IPC); false when the format is unknown. */
export function isColumnarData(path: string, format?: SourceFormat): boolean {
  try {
    const f = formatOf(path, format).format;
    return f === 'parquet' || f === 'arrow';
  } catch {
    return false;
  }
}

/**
 * The format and compression a path implies: `.jsonl`, `.ndjson`, `.csv` (each optionally `.gz`),
 * `.parquet`, `.arrow` / `.arrows` / `.feather` / `.ipc` (Arrow IPC); standard input (`-`) is JSONL
 * unless a format is given.
 */
export function formatOf(path: string, given?: SourceFormat): { format: SourceFormat; gzip: boolean } {
  if (path === STDIN_PATH && given === undefined) return { format: 'jsonl', gzip: false };
  const lower = path.toLowerCase();
  const gzip = lower.endsWith('.gz');
  if (given !== undefined) {
    if (!FORMATS.includes(given))
      throw new SourceError(path, null, 'unsupported', `unknown format "${String(given)}" (expected ${FORMATS.join(', ')})`);
    return { format: given, gzip };
  }
  const base = gzip ? lower.slice(0, -3) : lower;
  if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) return { format: 'jsonl', gzip };
  if (base.endsWith('.csv')) return { format: 'csv', gzip };
  if (base.endsWith('.parquet')) return { format: 'parquet', gzip };
  if (['.arrow', '.arrows', '.feather', '.ipc'].some((e) => base.endsWith(e))) return { format: 'arrow', gzip };
  throw new SourceError(
    path,
    null,
    'unsupported',
    'cannot tell the format from the file name: use .jsonl, .ndjson, .csv (optionally .gz), .parquet or .arrow, or give the format explicitly',
  );
}

function checkOptions(path: string, opts: SourceOptions): void {
  const bad = (detail: string) => new SourceError(path, null, 'unsupported', detail);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw bad(`batch size must be a positive integer, got ${opts.batchSize}`);
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 0))
    throw bad(`limit must be a non-negative integer, got ${opts.limit}`);
  if (opts.maxExamples !== undefined && !(Number.isInteger(opts.maxExamples) && opts.maxExamples >= 0))
    throw bad(`maxExamples must be a non-negative integer, got ${opts.maxExamples}`);
  if (opts.onBadRow !== 'skip' && opts.onBadRow !== 'fail') throw bad(`onBadRow must be "skip" or "fail", got ${String(opts.onBadRow)}`);
  const sh = opts.shard;
  if (sh !== undefined) {
    if (!Number.isInteger(sh.count) || sh.count < 1 || !Number.isInteger(sh.index) || sh.index < 0 || sh.index >= sh.count) {
      throw bad(`shard must be i/N with 0 <= i < N, got ${sh.index}/${sh.count}`);
    }
  }
}

/** What a read returns when the source's signal fired while it waited. */
const ABORTED = Symbol('aborted');

class StreamingSource extends SerialBatches implements DataSource {
  readonly stats: SourceStats;
  private readonly reader: TextBlockReader;
  private readonly format: RowFormat;
  private readonly batchSize: number;
  private readonly limit: number;
  private readonly shardIndex: number;
  private readonly shardCount: number;
  private readonly maxExamples: number;
  private layout: SourceLayout | null = null;
  private batch: BatchBuilder | null = null;
  private text: Buffer = Buffer.alloc(0);
  private pos = 0;
  private eof = false;
  private line = 1;
  private rowOrdinal = 0;
  private headerDone = false;
  private finished = false;
  /** Serialises `next()` calls, so an impatient caller cannot interleave two parses. */

  constructor(
    private readonly path: string,
    private readonly opts: SourceOptions,
    slots: InputSlot[],
    formatName: 'jsonl' | 'csv',
    gzip: boolean,
    totalBytes: number | null,
    tuning: SourceTuning,
  ) {
    super();
    const strings = new ByteStringCache();
    this.format = formatName === 'csv' ? new CsvFormat(path, slots, strings) : new JsonlFormat(slots, strings, { fast: tuning.fastJsonl ?? true });
    this.reader = new TextBlockReader(path, path === STDIN_PATH ? 'standard input' : path, { gzip, chunkBytes: tuning.chunkBytes });
    this.batchSize = opts.batchSize;
    this.limit = opts.limit ?? Infinity;
    this.shardIndex = opts.shard?.index ?? 0;
    this.shardCount = opts.shard?.count ?? 1;
    this.maxExamples = opts.maxExamples ?? DEFAULT_MAX_EXAMPLES;
    this.stats = freshStats(totalBytes, this.reader.identity());
  }

  async close(): Promise<void> {
    if (!this.finished) this.stats.read = this.reader.identity();
    this.finished = true;
    this.reader.close();
  }

  protected async step(): Promise<IteratorResult<Batch>> {
    if (this.finished) return DONE;
    if (this.opts.signal?.aborted || this.stats.rowsGood >= this.limit) {
      await this.close();
      return DONE;
    }
    try {
      if (this.layout !== null) this.startBatch();
      while (!this.fill()) {
        // Aborted mid-batch: deliver the rows already read rather than count rows nobody processes.
        if (this.eof || this.opts.signal?.aborted) break;
        const block = await this.readBlock();
        this.stats.bytesRead = this.reader.bytesRead;
        if (block === ABORTED) break;
        if (block === null) {
          this.eof = true;
        } else {
          this.text = this.pos < this.text.length ? Buffer.concat([this.text.subarray(this.pos), block]) : block;
          this.pos = 0;
          this.format.beginBlock();
        }
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    const batch = this.batch;
    this.batch = null;
    if (this.eof && this.pos >= this.text.length) await this.close();
    if (batch !== null && batch.rows > 0) return { done: false, value: batch.finish() };
    await this.close();
    return DONE;
  }

  /**
   * The next block, or ABORTED as soon as the signal fires: a pipe or standard input may not send
   * anything for a long time, and Ctrl-C must not wait for it.
   */
  private readBlock(): Promise<Buffer | null | typeof ABORTED> {
    const signal = this.opts.signal;
    if (signal === undefined) return this.reader.next();
    if (signal.aborted) return Promise.resolve(ABORTED);
    const read = this.reader.next();
    read.catch(() => {}); // if the abort wins, the read's own end (or failure) no longer matters
    return new Promise((resolve, reject) => {
      const onAbort = (): void => resolve(ABORTED);
      signal.addEventListener('abort', onAbort, { once: true });
      read.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  private startBatch(): void {
    const room = this.limit - this.stats.rowsGood;
    this.batch = new BatchBuilder(this.layout!, Math.min(this.batchSize, room));
    this.format.bind(this.batch.data);
  }

  /**
   * Parse whole records from the current text until the batch is full (true) or more text is
   * needed (false). Synchronous: this is the hot loop.
   */
  private fill(): boolean {
    const s = this.text;
    const fmt = this.format;
    const shardCount = this.shardCount;
    const shardIndex = this.shardIndex;
    const stats = this.stats;
    let pos = this.pos;
    try {
      for (;;) {
        const batch = this.batch;
        if (batch !== null && batch.full) return true;
        if (pos >= s.length) return false;
        const nl = fmt.recordEnd(s, pos, this.eof);
        if (nl < 0) return false;
        let end = nl;
        if (end > pos && s[end - 1] === 13) end--;
        const line = this.line;
        this.line += 1 + fmt.innerLines;
        const start = pos;
        pos = nl + 1;
        if (isBlank(s, start, end)) continue;
        if (!this.headerDone && fmt.wantsHeader) {
          fmt.header(s, start, end, line);
          this.headerDone = true;
          continue;
        }
        const rowId = this.rowOrdinal++;
        stats.rowsTotal = this.rowOrdinal;
        const mine = shardCount === 1 || rowId % shardCount === shardIndex;
        if (this.layout === null) {
          const found = fmt.discover(s, start, end);
          if (found instanceof BadRow) {
            if (mine) {
              stats.rowsRead++;
              this.badRow(found, line);
            }
            continue;
          }
          this.adopt(found);
        }
        if (!mine) continue;
        stats.rowsRead++;
        const b = this.batch!;
        const bad = fmt.readRow(s, start, end, b.rows);
        if (bad !== null) {
          this.badRow(bad, line);
          continue;
        }
        b.commit(rowId, line);
        stats.rowsGood++;
      }
    } finally {
      this.pos = pos;
    }
  }

  private adopt(layout: SourceLayout): void {
    this.layout = layout;
    this.stats.absentOptional = [...layout.absentOptional];
    this.format.setLayout(layout);
    this.startBatch();
  }

  private badRow(bad: BadRow, line: number): void {
    const stats = this.stats;
    stats.skipped[bad.reason] = (stats.skipped[bad.reason] ?? 0) + 1;
    if (this.opts.onBadRow === 'fail') throw new SourceError(this.path, line, bad.reason, bad.detail);
    if (stats.examples.length < this.maxExamples) stats.examples.push({ line, reason: bad.reason, detail: bad.detail });
  }
}

/** A record of spaces, tabs and carriage returns only: not a row. */
function isBlank(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
