/**
 * What the streaming loop (`open-source.ts`) needs from a file format. The loop owns blocks,
 * line numbers, row ordinals, sharding, limits and statistics; a format only finds record ends and
 * turns one record into one row of the batch.
 *
 * Records are given as `b[start, end)` of a block of the file's bytes: without the terminating `\n`
 * and without one trailing `\r`. Bytes, not strings: the JSONL fast path never decodes the file.
 */
import type { TensorData } from '../../stdlib/types.ts';
import type { BadRow } from './bad-row.ts';
import type { SourceLayout } from './input-layout.ts';

/** One file format, as the streaming loop drives it (discover once, then `readRow` per record). */
export interface RowFormat {
  /** The loop moved to a new block: positions from now on index into a different buffer. */
  beginBlock(): void;
  /**
   * Index of the `\n` ending the record that starts at `pos`; `b.length` when the block ends first
   * and `eof` is true; -1 when more text is needed to find the end.
   */
  recordEnd(b: Buffer, pos: number, eof: boolean): number;
  /** Newlines inside the record last found by `recordEnd` (CSV quoted fields); 0 for JSONL. */
  readonly innerLines: number;
  /** True when the first non-blank record is a header for `header()`, not a data row. */
  readonly wantsHeader: boolean;
  /** Read the header record; throws a `SourceError` when it cannot serve the inputs. */
  header(b: Buffer, start: number, end: number, line: number): void;
  /**
   * Decide the layout from a candidate first good row: a validated layout, or why the row is bad.
   * Does not change the format's state (call `setLayout` to adopt the layout).
   */
  discover(b: Buffer, start: number, end: number): SourceLayout | BadRow;
  setLayout(layout: SourceLayout): void;
  /** Arrays of the batch being filled, one per `layout.slots` entry. */
  bind(data: TensorData[]): void;
  /** Write the record into row `row` of the bound arrays; null when the row is good. */
  readRow(b: Buffer, start: number, end: number, row: number): BadRow | null;
}
