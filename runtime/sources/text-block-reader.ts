/**
 * Reads a file (optionally gzip-compressed) as a sequence of byte blocks made of whole lines.
 *
 * Why blocks of bytes: splitting lines on the bytes a megabyte at a time keeps per-line costs
 * (readline's events and decodes) out of the hot path, parsing a block is a synchronous step, and
 * the parsers read bytes directly. Memory stays flat: one block, one partial line and the stream's
 * own buffers. A block always ends with `\n` except the last one, which holds a final line without
 * newline. `\n` (0x0A) never occurs inside a multi-byte UTF-8 sequence, so cutting there is safe.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SourceError } from './source-error.ts';

/** Bytes per read from disk (and per gunzip output chunk). */
export const CHUNK_BYTES = 1 << 20;
/** A single line longer than this is not a data row; the file is probably not JSONL/CSV. */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

/** The path that names standard input. */
export const STDIN_PATH = '-';

/**
 * What was read, for a record's data identity: computed while reading, so a pipe or standard input is
 * read once and never reopened.
 */
export interface ReadIdentity {
  /** Bytes read (decompressed for gzip). */
  bytes: number;
  /** sha256 of those bytes, hex. */
  sha256: string;
  /** True once the end of the data was reached (not stopped early by a limit, an interrupt or an error). */
  complete: boolean;
}

/** `gzip`: decompress while reading; `chunkBytes`: read size (tests use tiny ones). */
export interface TextBlockReaderOptions {
  gzip: boolean;
  chunkBytes?: number;
}

/** One per source; `next()` is awaited only when the parser has used up the previous block. */
export class TextBlockReader {
  /** The raw bytes (a file, or standard input); `bytesRead` counts what came in, compressed or not. */
  private readonly fileStream: Readable & { readonly bytesRead: number };
  private readonly stream: Readable;
  private readonly it: AsyncIterator<Buffer>;
  private pending: Buffer[] = [];
  private ready: Buffer[] = [];
  private pendingBytes = 0;
  private first = true;
  private closed = false;
  private readonly hash: Hash = createHash('sha256');
  private contentBytes = 0;
  private complete = false;

  /**
   * @param path the file to read; `-` reads standard input.
   * @param display the name used in error messages (as the user wrote it).
   */
  constructor(
    path: string,
    private readonly display: string,
    private readonly opts: TextBlockReaderOptions,
  ) {
    const chunk = opts.chunkBytes ?? CHUNK_BYTES;
    // Standard input through `process.stdin`, not a file stream on fd 0: on a pipe, a file stream's read-ahead
    // blocks a thread-pool thread in read() once the writer pauses, which nothing can cancel — a run stopped
    // early (Ctrl-C, --limit) with stdin still open could then never exit. `process.stdin` reads a pipe through
    // the event loop, and destroying it lets the process end.
    this.fileStream = path === STDIN_PATH ? process.stdin : createReadStream(path, { highWaterMark: chunk });
    if (opts.gzip) {
      const gunzip = createGunzip({ chunkSize: chunk });
      // pipeline forwards a read error of the file to the gunzip stream, whose iterator then throws.
      this.stream = pipeline(this.fileStream, gunzip, () => {});
    } else {
      this.stream = this.fileStream;
    }
    this.it = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Bytes read from disk so far (compressed bytes for gzip). */
  get bytesRead(): number {
    return this.fileStream.bytesRead;
  }

  /** Bytes read so far, their sha256 and whether the end was reached. */
  identity(): ReadIdentity {
    return { bytes: this.contentBytes, sha256: this.hash.copy().digest('hex'), complete: this.complete };
  }

  /**
   * The next block of whole lines, or null at the end of the file. A line that straddles two reads
   * gets a small block of its own, so only that line is copied, not the whole read.
   */
  async next(): Promise<Buffer | null> {
    for (;;) {
      const ready = this.ready.shift();
      if (ready !== undefined) return this.first ? this.checkStart(ready) : ready;
      if (this.closed) return null;
      let r: IteratorResult<Buffer>;
      try {
        r = await this.it.next();
      } catch (err) {
        throw this.readError(err);
      }
      if (r.done) {
        this.complete = true;
        if (this.pendingBytes === 0) return null;
        const rest = Buffer.concat(this.pending, this.pendingBytes);
        this.pending = [];
        this.pendingBytes = 0;
        return this.first ? this.checkStart(rest) : rest;
      }
      let chunk = r.value;
      this.hash.update(chunk);
      this.contentBytes += chunk.length;
      if (this.pendingBytes > 0) {
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          this.keep(chunk);
          continue;
        }
        this.ready.push(Buffer.concat([...this.pending, chunk.subarray(0, nl + 1)], this.pendingBytes + nl + 1));
        this.pending = [];
        this.pendingBytes = 0;
        chunk = chunk.subarray(nl + 1);
      }
      const last = chunk.lastIndexOf(10);
      if (last >= 0) this.ready.push(chunk.subarray(0, last + 1));
      if (last + 1 < chunk.length) this.keep(chunk.subarray(last + 1));
    }
  }

  /** Hold the start of a line whose end has not been read yet. */
  private keep(piece: Buffer): void {
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    if (this.pendingBytes > MAX_LINE_BYTES) {
      throw new SourceError(
        this.display,
        null,
        'unsupported',
        `a line is longer than ${MAX_LINE_BYTES >> 20} MiB: is this really a JSONL or CSV file?`,
      );
    }
  }

  /** Stop reading and release the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.ready = [];
    this.stream.destroy();
    this.fileStream.destroy();
  }

  /**
   * On the first block (a whole line, so its first bytes are the file's): drop a UTF-8 byte order
   * mark; refuse a gzip file that is not named as one, and a Parquet or Arrow IPC file read as text
   * (misnamed, or piped to standard input), which would otherwise be counted as thousands of bad rows.
   */
  private checkStart(chunk: Buffer): Buffer {
    this.first = false;
    // The magic followed by binary (a page header; ARROW1's two zero bytes), so a CSV whose first column is named PAR1 is text.
    const columnar =
      chunk.length >= 5 && chunk.toString('latin1', 0, 4) === 'PAR1' && !/[\t\n\r\x20-\x7e]/.test(String.fromCharCode(chunk[4]!))
        ? ['Parquet', '.parquet']
        : (chunk.length >= 8 && chunk.toString('latin1', 0, 8) === 'ARROW1\0\0') || (chunk.length >= 8 && chunk.readUInt32LE(0) === 0xffffffff)
          ? ['Arrow IPC', '.arrow']
          : null;
    if (columnar !== null) {
      throw new SourceError(
        this.display,
        null,
        'unsupported',
        `this is ${columnar[0]}, not JSONL or CSV text: ${columnar[0]} is read by position, from a file named *${columnar[1]}`,
      );
    }
    if (!this.opts.gzip && chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
      throw new SourceError(
        this.display,
        null,
        'unsupported',
        'the file is gzip-compressed: give it a .gz suffix (e.g. data.jsonl.gz) so it is decompressed',
      );
    }
    if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) return chunk.subarray(3);
    return chunk;
  }

  private readError(err: unknown): SourceError {
    if (err instanceof SourceError) return err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return new SourceError(this.display, null, 'unreadable', 'no such file');
    if (e.code === 'EACCES') return new SourceError(this.display, null, 'unreadable', 'permission denied');
    if (e.code === 'EISDIR') return new SourceError(this.display, null, 'unreadable', 'is a directory, not a data file');
    if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR' || e.code === 'ERR_PADDING_1' || this.opts.gzip) {
      return new SourceError(this.display, null, 'unreadable', `not a valid gzip file (${e.message})`);
    }
    return new SourceError(this.display, null, 'unreadable', e.message ?? String(err));
  }
}
