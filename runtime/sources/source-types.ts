/**
 * The contract between data sources and the executor: options, batches and statistics.
 *
 * A source turns a file of recorded rows (JSONL or CSV, optionally gzip-compressed) into batches of
 * batch-major tensors, one per graph input, as described by the plan's `PlanInput`s.
 */
import type { Tensor } from '../../stdlib/types.ts';
import { ROW_FAILURE_REASONS } from '../../stdlib/ops/op-spec.ts';
import type { PlanInput } from '../../plan/plan-types.ts';
import type { ReadIdentity } from './text-block-reader.ts';

/** The stable reasons a data row can be rejected. Reports and tests match on these strings. */
export const BAD_ROW_REASONS = [
  'invalid-json',
  'missing-field',
  'wrong-length',
  'non-numeric',
  'nan',
  'non-integer',
  'wrong-type',
  'bad-csv',
  'bad-base64',
  ...ROW_FAILURE_REASONS,
] as const;

/** One of `BAD_ROW_REASONS`. */
export type BadRowReason = (typeof BAD_ROW_REASONS)[number];

/**
 * File formats a source reads. The `.gz` suffix adds decompression to the text formats (JSONL, CSV);
 * Parquet and Arrow IPC are columnar and compress inside the file.
 */
export type SourceFormat = 'jsonl' | 'csv' | 'parquet' | 'arrow';

/** How `openSource` reads a file. Invariant: `batchSize` >= 1; `0 <= shard.index < shard.count`. */
export interface SourceOptions {
  /** Which fields to read and how; the first dim of every input type is the row dimension. */
  inputs: PlanInput[];
  /** Rows per batch (a positive integer). Every batch but the last has exactly this many rows. */
  batchSize: number;
  /** Default: from the extension (`.jsonl`, `.ndjson`, `.csv`, each optionally `.gz`; `.parquet`; `.arrow`, `.arrows`, `.feather`, `.ipc`). */
  format?: SourceFormat;
  /** Stop after this many good rows (of this shard). */
  limit?: number;
  /** Keep only rows whose ordinal (`rowId`) satisfies `rowId % count === index`. */
  shard?: { index: number; count: number };
  /** `skip`: count bad rows and go on. `fail`: the first bad row rejects `next()` with a `SourceError`. */
  onBadRow: 'skip' | 'fail';
  /** Bad-row examples kept in `stats.examples` (default 5). */
  maxExamples?: number;
  /**
   * When aborted, the source ends (closes the file) at the start of the next `next()` call, and a batch
   * being filled stops at the next block boundary (its rows are delivered: every row read is processed).
   */
  signal?: AbortSignal;
}

/**
 * One batch of good rows. Invariants: `rowIds.length === lines.length === rows`, rows >= 1, and every
 * tensor has `dims[0] === rows` and `data.length === rows * (product of the other dims)`.
 * Each typed array owns its buffer (never a view into a shared one), so it can be transferred.
 */
export interface Batch {
  rows: number;
  /**
   * Global 0-based ordinal of each row among ALL data rows of the file (good and bad, before
   * sharding and limit; blank lines and the CSV header are not rows). Equal in sharded and
   * unsharded runs, strictly increasing within and across batches.
   */
  rowIds: Float64Array;
  /** 1-based line number where each row starts in the (decompressed) file. */
  lines: Float64Array;
  /** One tensor per input that is present (absent optional inputs have none), keyed by input name. */
  tensors: Record<string, Tensor>;
}

/** One kept bad row: where it is, why, and the detail shown to the user. */
export interface BadRowExample {
  line: number;
  reason: BadRowReason;
  detail: string;
}

/**
 * Running statistics, updated as batches are produced. Invariant:
 * `rowsRead === rowsGood + sum(skipped)`; rows of other shards are not counted.
 */
export interface SourceStats {
  /** Data rows of this shard examined so far (good and bad). */
  rowsRead: number;
  /** Rows delivered in batches. */
  rowsGood: number;
  /** Bad rows by reason; a reason appears once it has been seen. */
  skipped: Partial<Record<BadRowReason, number>>;
  /** The first `maxExamples` bad rows, in file order. */
  examples: BadRowExample[];
  /** Bytes read from the file so far (compressed bytes for `.gz`), comparable with `totalBytes`. */
  bytesRead: number;
  /** Size of the file on disk, or null when unknown (standard input, a pipe). */
  totalBytes: number | null;
  /** Data rows of the file examined so far, all shards together (blank lines and the CSV header are not rows). */
  rowsTotal: number;
  /**
   * What was read, hashed while reading (never by reopening the file): bytes (decompressed), their sha256
   * and whether the end of the data was reached. Final once the source has ended or been closed.
   */
  read: ReadIdentity;
  /** Optional inputs absent from the first good row, hence absent for the whole source. */
  absentOptional: string[];
}

/** Examples of bad rows a source keeps when `maxExamples` is not given. */
export const DEFAULT_MAX_EXAMPLES = 5;

/** The statistics of a source before its first row: `totalBytes` to read, and what it will have read. */
export function freshStats(totalBytes: number | null, read: SourceStats['read']): SourceStats {
  return { rowsRead: 0, rowsGood: 0, skipped: {}, examples: [], bytesRead: 0, totalBytes, absentOptional: [], rowsTotal: 0, read };
}

/**
 * A single-pass stream of batches. Iterating twice continues the same stream. Breaking out of a
 * `for await` loop closes the file; `close()` is idempotent.
 */
export interface DataSource extends AsyncIterable<Batch> {
  readonly stats: SourceStats;
  close(): Promise<void>;
  /**
   * Start the work that comes before the first batch (a columnar file: its hash, footer, layout and first
   * groups) without counting any row, so it overlaps whatever the caller does meanwhile (loading the
   * models). Optional; a source that has none opens on the first `next()`. Its failure is reported by
   * `next()` (the returned promise may be ignored).
   */
  prepare?(): Promise<void>;
}
