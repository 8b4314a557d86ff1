/**
 * `--out preds.jsonl`: the values of `plan.outputs`, one JSON object per input row:
 *
 *     {"row":17,"score":0.913245082,"probabilities":[0.0867549,0.913245082]}
 *
 * `row` is the row's line in the data file. A `[batch]` output is a scalar, `[batch, k]` an array,
 * deeper shapes nested arrays. f32 values are written with 9 significant digits (enough to read
 * back the same float32), f64 exactly, i64 as exact integers; NaN and infinities as `null`.
 */
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import type { PlanOutput } from '../plan/plan-types.ts';
import type { ImageValue, Tensor } from '../stdlib/types.ts';
import type { OutputsBatch } from './batch.ts';
import { RuntimeError } from './runtime-error.ts';
import { EXIT, M4Error, type ExitCode } from '../plan/errors.ts';
import { F32_TEXT_MAX, writeF32 } from './float-text.ts';

/**
 * The outputs file cannot be created (exit 2: nothing has run yet) or written (exit 3); one line: path and
 * system error code.
 */
export class OutputsWriteError extends M4Error {
  constructor(
    readonly path: string,
    reason: string,
    exitCode: ExitCode = EXIT.runtime,
  ) {
    super(`cannot write ${path}: ${reason}`, exitCode);
  }
}

/** The name of the line-number field of each record. */
export const ROW_FIELD = 'row';

/** Bytes gathered before a write to the file. */
const FLUSH_BYTES = 256 * 1024;

const ROW_PREFIX = Buffer.from(`{"${ROW_FIELD}":`);

export class OutputsWriter {
  private failure: Error | null = null;
  /** Batch buffers the stream has written out, ready for the next batch. */
  private readonly free: ByteText[] = [];
  /** Rows written since the last hand-off to the stream (less than FLUSH_BYTES of them). */
  private current: ByteText | null = null;

  private constructor(
    private readonly stream: WriteStream,
    private readonly keys: { name: string; key: Buffer }[],
    readonly path: string,
  ) {
    stream.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /**
   * Create (truncate) `path` for the given outputs. Throws a one-line error if the file cannot be
   * created or an output's name clashes with the `row` field.
   */
  static open(path: string, outputs: readonly PlanOutput[]): OutputsWriter {
    const clash = outputs.find((o) => o.name === ROW_FIELD);
    if (clash)
      throw new RuntimeError(clash.name, clash.span, null, `--out writes each row's line as \`${ROW_FIELD}\`, so an output cannot have that name`, {
        subject: 'output',
        exitCode: EXIT.usage,
      });
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (err) {
      throw new OutputsWriteError(path, (err as NodeJS.ErrnoException).code ?? String(err), EXIT.usage);
    }
    const stream = createWriteStream(path, { fd, highWaterMark: 1 << 20 });
    return new OutputsWriter(
      stream,
      outputs.map((o) => ({ name: o.name, key: Buffer.from(`,${JSON.stringify(o.name)}:`) })),
      path,
    );
  }

  /** Append one batch; resolves when the stream can take more (backpressure). */
  async write(batch: OutputsBatch): Promise<void> {
    if (this.failure) throw this.writeError(this.failure);
    const columns = this.keys.map((k) => batch.values[k.name]);
    let text = this.current;
    if (text === null) {
      text = this.free.pop() ?? new ByteText();
      text.pos = 0;
    }
    if (columns.every((t) => t.dtype === 'f32' && t.dims.length <= 1)) this.scoreRows(text, batch, columns);
    else
      for (let r = 0; r < batch.rows; r++) {
        text.raw(ROW_PREFIX);
        text.integer(batch.lines[r]);
        for (let c = 0; c < columns.length; c++) {
          text.raw(this.keys[c].key);
          writeRowValue(text, columns[c], r);
        }
        text.byte(0x7d); // }
        text.byte(0x0a);
      }
    // Batches are gathered into writes of at least FLUSH_BYTES (one system call per batch of 1,024 scores
    // cost ~0.1 s per 1M rows); close() writes the rest.
    if (text.pos < FLUSH_BYTES) {
      this.current = text;
      return;
    }
    this.current = null;
    if (!this.flush(text)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
    if (this.failure) throw this.writeError(this.failure);
  }

  /**
   * Every output a float32 per row (scores: the common case): each row's bytes have a known bound,
   * so the buffer is checked once per row and the row written with local indices.
   */
  private scoreRows(text: ByteText, batch: OutputsBatch, columns: Tensor[]): void {
    const data = columns.map((t) => t.data as Float32Array);
    const keys = this.keys.map((k) => k.key);
    const bound = ROW_PREFIX.length + 16 + keys.reduce((n, k) => n + k.length + F32_TEXT_MAX, 0) + 2;
    const lines = batch.lines;
    for (let r = 0; r < batch.rows; r++) {
      text.reserve(bound);
      const buf = text.buf;
      let pos = text.pos;
      for (let i = 0; i < ROW_PREFIX.length; i++) buf[pos++] = ROW_PREFIX[i];
      pos = writeLine(buf, pos, lines[r]);
      for (let c = 0; c < data.length; c++) {
        const key = keys[c];
        for (let i = 0; i < key.length; i++) buf[pos++] = key[i];
        const v = data[c][r];
        if (Number.isFinite(v)) pos = writeF32(buf, pos, v);
        else {
          // null
          buf[pos++] = 0x6e;
          buf[pos++] = 0x75;
          buf[pos++] = 0x6c;
          buf[pos++] = 0x6c;
        }
      }
      buf[pos++] = 0x7d; // }
      buf[pos++] = 0x0a;
      text.pos = pos;
    }
  }

  /** Hand `text` to the stream (which holds the bytes until written; the buffer is reused after that); false: wait for 'drain'. */
  private flush(text: ByteText): boolean {
    return this.stream.write(text.bytes(), () => this.free.push(text));
  }

  /** Flush and close the file. */
  async close(): Promise<void> {
    if (this.current !== null && this.current.pos > 0) this.flush(this.current);
    this.current = null;
    await new Promise<void>((resolve) => this.stream.end(resolve));
    if (this.failure) throw this.writeError(this.failure);
  }

  private writeError(err: Error): OutputsWriteError {
    return new OutputsWriteError(this.path, (err as NodeJS.ErrnoException).code ?? err.message);
  }
}

/**
 * A growing byte buffer that JSON text is written into: numbers as ASCII digits, no intermediate
 * strings (a million rows' values as strings cost more CPU, with the garbage collector, than the
 * models that computed them).
 */
export class ByteText {
  buf: Buffer;
  pos = 0;

  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafeSlow(capacity);
  }

  /** Make room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** One ASCII character, by code. */
  byte(c: number): void {
    this.reserve(1);
    this.buf[this.pos++] = c;
  }

  /** Bytes already encoded. */
  raw(b: Uint8Array): void {
    const n = b.length;
    this.reserve(n);
    // Keys and prefixes are a few bytes: a loop beats set()'s call overhead.
    if (n <= 32) for (let i = 0; i < n; i++) this.buf[this.pos++] = b[i];
    else {
      this.buf.set(b, this.pos);
      this.pos += n;
    }
  }

  /** A string of ASCII characters. */
  ascii(s: string): void {
    this.reserve(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  /** Any string, UTF-8 encoded. */
  utf8(s: string): void {
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A float32 in `--out`'s notation ({@link writeF32}). */
  f32(v: number): void {
    if (!Number.isFinite(v)) return this.ascii('null');
    this.reserve(F32_TEXT_MAX);
    this.pos = writeF32(this.buf, this.pos, v);
  }

  /** A line number. */
  integer(v: number): void {
    this.reserve(LINE_TEXT_MAX);
    this.pos = writeLine(this.buf, this.pos, v);
  }
}

/** The longest text {@link writeLine} writes: a safe integer's digits and sign (rarer values are shorter). */
const LINE_TEXT_MAX = 24;

/** A line number (a non-negative integer; anything else as JavaScript prints it) at `pos`; returns the end. */
function writeLine(buf: Buffer, pos: number, v: number): number {
  if (!(v >= 0 && v < 2 ** 31 && Number.isInteger(v))) return pos + buf.write(String(v), pos, 'latin1');
  let n = 1;
  for (let p = 10; p <= v; p *= 10) n++;
  for (let i = pos + n - 1; i >= pos; i--) {
    const q = (v / 10) | 0;
    buf[i] = 0x30 + v - q * 10;
    v = q;
  }
  return pos + n;
}

/** Reused by {@link rowValue} (synchronous: no two calls overlap). */
const valueText = new ByteText(256);

/** Row `r` of a batch-major tensor as JSON text (the serve API's values: the same text as `--out`). */
export function rowValue(t: Tensor, r: number): string {
  valueText.pos = 0;
  writeRowValue(valueText, t, r);
  return valueText.buf.toString('utf8', 0, valueText.pos);
}

/** Row `r` of a batch-major tensor as JSON text, appended to `text`. */
export function writeRowValue(text: ByteText, t: Tensor, r: number): void {
  // An image tensor holds one value per row whatever its dims (they describe its future pixels).
  if (t.dims.length <= 1 || t.dtype === 'image') return scalar(text, t, r);
  const inner = t.data.length / t.dims[0];
  nested(text, t, r * inner, 1);
}

/** The sub-array of `t` at element offset `offset` spanning dims[axis..], as nested JSON arrays. */
function nested(text: ByteText, t: Tensor, offset: number, axis: number): void {
  const n = t.dims[axis];
  text.byte(0x5b); // [
  if (axis === t.dims.length - 1) {
    for (let i = 0; i < n; i++) {
      if (i > 0) text.byte(0x2c);
      scalar(text, t, offset + i);
    }
  } else {
    let stride = 1;
    for (let a = axis + 1; a < t.dims.length; a++) stride *= t.dims[a];
    for (let i = 0; i < n; i++) {
      if (i > 0) text.byte(0x2c);
      nested(text, t, offset + i * stride, axis + 1);
    }
  }
  text.byte(0x5d); // ]
}

function scalar(text: ByteText, t: Tensor, i: number): void {
  switch (t.dtype) {
    case 'f32':
      return text.f32((t.data as Float32Array)[i]);
    case 'f64': {
      const v = (t.data as Float64Array)[i];
      return text.ascii(Number.isFinite(v) ? String(v) : 'null');
    }
    case 'i32':
      return text.ascii(String((t.data as Int32Array)[i]));
    case 'i64':
      return text.ascii(String((t.data as BigInt64Array)[i]));
    case 'bool':
      return text.ascii((t.data as Uint8Array)[i] ? 'true' : 'false');
    case 'str':
      return text.utf8(JSON.stringify((t.data as string[])[i]));
    case 'bytes':
      return text.ascii(JSON.stringify(Buffer.from((t.data as Uint8Array[])[i]).toString('base64')));
    case 'image': {
      // The image itself is not written (to_tensor gives its pixels): what it is, as JSON.
      const v = (t.data as ImageValue[])[i];
      return text.utf8(
        JSON.stringify({ format: v.format, channels: v.channels, ...(v.resize ? { width: v.resize.width, height: v.resize.height } : {}) }),
      );
    }
  }
}
