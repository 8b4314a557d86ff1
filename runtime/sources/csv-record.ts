/**
 * RFC 4180 CSV records, read in place on the file's bytes: cells are ranges of the block, decoded
 * to strings only when needed. The accepted syntax matches csv-parse's defaults (checked by a
 * property test): `,` separates cells; a cell starting with `"` is quoted and may hold `,`, newlines
 * and `""` (one quote); a quote inside an unquoted cell, text after a closing quote, or an unclosed
 * quote is an error. Splitting bytes is safe for UTF-8: `,` `"` `\n` never occur inside a multi-byte
 * character.
 */

/** A record spanning lines inside quotes may grow this long before it counts as an unclosed quote. */
export const MAX_QUOTED_RECORD_BYTES = 16 * 1024 * 1024;

const QUOTE = 34;
const COMMA = 44;
const NEWLINE = 10;

/** Finds record ends and splits records into cell ranges; reused for every record of a source. */
export class CsvRecordReader {
  /** Cells of the last record split: content ranges (inside the quotes for quoted cells). */
  count = 0;
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** 0: plain; 1: quoted without `""`; 2: quoted with `""` to unescape. */
  kinds = new Uint8Array(64);
  /** Newlines inside the record last found by `recordEnd`. */
  innerLines = 0;
  private b: Buffer = Buffer.alloc(0);
  private quoteSearchedFrom = Infinity;
  private nextQuote = -1;

  /**
   * Call when the block changes. The quote search of `recordEnd` is cached per block: searching
   * from every record would rescan a quote-free block to its end each time.
   */
  beginBlock(): void {
    this.quoteSearchedFrom = Infinity;
  }

  /** Index of the next `"` at or after `pos` in the current block `b`, or -1. */
  private quoteFrom(b: Buffer, pos: number): number {
    if (pos < this.quoteSearchedFrom || (this.nextQuote >= 0 && this.nextQuote < pos)) {
      this.quoteSearchedFrom = pos;
      this.nextQuote = b.indexOf(QUOTE, pos);
    }
    return this.nextQuote;
  }

  /**
   * See `RowFormat.recordEnd`. A record whose quotes stay open to the end of the file (or past
   * `MAX_QUOTED_RECORD_BYTES`) ends at its first line; `split` then reports the unclosed quote and
   * reading resumes on the next line.
   */
  recordEnd(b: Buffer, pos: number, eof: boolean): number {
    this.innerLines = 0;
    const nl = b.indexOf(NEWLINE, pos);
    const lineEnd = nl >= 0 ? nl : b.length;
    const q = this.quoteFrom(b, pos);
    if (q < 0 || q >= lineEnd) return nl >= 0 ? nl : eof ? b.length : -1;
    // Only a quote that starts a field opens a quoted field (a stray quote inside an unquoted field
    // is an error for `split`, not the start of a multi-line record).
    let inQuotes = false;
    let fieldStart = true;
    let lines = 0;
    const limit = Math.min(b.length, pos + MAX_QUOTED_RECORD_BYTES);
    for (let i = pos; i < limit; i++) {
      const c = b[i];
      if (inQuotes) {
        if (c === QUOTE) {
          if (i + 1 === b.length && !eof) return -1; // `"` or `""`: the next block decides
          if (b[i + 1] === QUOTE) i++;
          else inQuotes = false;
        } else if (c === NEWLINE) {
          lines++;
        }
        continue;
      }
      if (c === NEWLINE) {
        this.innerLines = lines;
        return i;
      }
      if (c === QUOTE && fieldStart) inQuotes = true;
      fieldStart = c === COMMA;
    }
    if (limit < b.length) return lineEnd; // too long to be a real record
    if (!inQuotes) {
      this.innerLines = lines;
      return eof ? b.length : -1;
    }
    return eof ? lineEnd : -1;
  }

  /** Split `b[start, end)` into cells. Returns null, or why the record is not valid CSV. */
  split(b: Buffer, start: number, end: number): string | null {
    this.b = b;
    let n = 0;
    let i = start;
    for (;;) {
      if (n === this.starts.length) this.grow();
      if (i < end && b[i] === QUOTE) {
        let j = i + 1;
        let kind = 1;
        for (;;) {
          while (j < end && b[j] !== QUOTE) j++;
          if (j >= end) return splitError('unclosed quote in field', n + 1);
          if (j + 1 < end && b[j + 1] === QUOTE) {
            j += 2;
            kind = 2;
            continue;
          }
          break;
        }
        this.starts[n] = i + 1;
        this.ends[n] = j;
        this.kinds[n] = kind;
        n++;
        i = j + 1;
        if (i === end) break;
        if (b[i] !== COMMA) return splitError('unexpected text after the closing quote of field', n);
        i++;
        if (i === end) {
          this.setEmpty(n++, i);
          break;
        }
        continue;
      }
      let j = i;
      while (j < end) {
        const c = b[j];
        if (c === COMMA) break;
        if (c === QUOTE) return splitError('unexpected quote inside unquoted field', n + 1);
        j++;
      }
      this.starts[n] = i;
      this.ends[n] = j;
      this.kinds[n] = 0;
      n++;
      if (j === end) break;
      i = j + 1;
      if (i === end) {
        if (n === this.starts.length) this.grow();
        this.setEmpty(n++, i);
        break;
      }
    }
    this.count = n;
    return null;
  }

  /** The text of cell `k` of the last split record. */
  cell(k: number): string {
    const text = this.b.toString('utf8', this.starts[k], this.ends[k]);
    return this.kinds[k] === 2 ? text.replaceAll('""', '"') : text;
  }

  /** True when cell `k` holds nothing but spaces and tabs, or is not in the record (k < 0). */
  isBlank(k: number): boolean {
    if (k < 0) return true;
    const b = this.b;
    for (let i = this.starts[k]; i < this.ends[k]; i++) {
      const c = b[i];
      if (c !== 32 && c !== 9) return false;
    }
    return true;
  }

  /** The block of the last split record (cell ranges index into it). */
  get block(): Buffer {
    return this.b;
  }

  private setEmpty(k: number, at: number): void {
    if (k === this.starts.length) this.grow();
    this.starts[k] = at;
    this.ends[k] = at;
    this.kinds[k] = 0;
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    starts.set(this.starts);
    const ends = new Int32Array(n);
    ends.set(this.ends);
    const kinds = new Uint8Array(n);
    kinds.set(this.kinds);
    this.starts = starts;
    this.ends = ends;
    this.kinds = kinds;
  }
}

/** Cold path, kept out of `split` (a template literal there slows V8's code for the whole loop). */
function splitError(what: string, field: number): string {
  return `${what} ${field}`;
}
