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

export class OutputsWriter {
  private failure: Error | null = null;

  private constructor(
    private readonly stream: WriteStream,
    private readonly keys: { name: string; key: string }[],
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
      outputs.map((o) => ({ name: o.name, key: `,${JSON.stringify(o.name)}:` })),
      path,
    );
  }

  /** Append one batch; resolves when the stream can take more (backpressure). */
  async write(batch: OutputsBatch): Promise<void> {
    if (this.failure) throw this.writeError(this.failure);
    const columns = this.keys.map((k) => batch.values[k.name]);
    let chunk = '';
    for (let r = 0; r < batch.rows; r++) {
      let line = `{"${ROW_FIELD}":${batch.lines[r]}`;
      for (let c = 0; c < columns.length; c++) line += this.keys[c].key + rowValue(columns[c], r);
      chunk += `${line}}\n`;
    }
    if (!this.stream.write(chunk)) {
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

  /** Flush and close the file. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.stream.end(resolve));
    if (this.failure) throw this.writeError(this.failure);
  }

  private writeError(err: Error): OutputsWriteError {
    return new OutputsWriteError(this.path, (err as NodeJS.ErrnoException).code ?? err.message);
  }
}

/** Row `r` of a batch-major tensor as JSON text. */
export function rowValue(t: Tensor, r: number): string {
  // An image tensor holds one value per row whatever its dims (they describe its future pixels).
  if (t.dims.length <= 1 || t.dtype === 'image') return scalar(t, r);
  const inner = t.data.length / t.dims[0];
  return nested(t, r * inner, 1);
}

/** The sub-array of `t` at element offset `offset` spanning dims[axis..], as nested JSON arrays. */
function nested(t: Tensor, offset: number, axis: number): string {
  const n = t.dims[axis];
  if (axis === t.dims.length - 1) {
    let s = '[';
    for (let i = 0; i < n; i++) s += (i > 0 ? ',' : '') + scalar(t, offset + i);
    return `${s}]`;
  }
  let stride = 1;
  for (let a = axis + 1; a < t.dims.length; a++) stride *= t.dims[a];
  let s = '[';
  for (let i = 0; i < n; i++) s += (i > 0 ? ',' : '') + nested(t, offset + i * stride, axis + 1);
  return `${s}]`;
}

function scalar(t: Tensor, i: number): string {
  switch (t.dtype) {
    case 'f32': {
      const v = (t.data as Float32Array)[i];
      return Number.isFinite(v) ? String(+v.toPrecision(9)) : 'null';
    }
    case 'f64': {
      const v = (t.data as Float64Array)[i];
      return Number.isFinite(v) ? String(v) : 'null';
    }
    case 'i32':
      return String((t.data as Int32Array)[i]);
    case 'i64':
      return String((t.data as BigInt64Array)[i]);
    case 'bool':
      return (t.data as Uint8Array)[i] ? 'true' : 'false';
    case 'str':
      return JSON.stringify((t.data as string[])[i]);
    case 'bytes':
      return JSON.stringify(Buffer.from((t.data as Uint8Array[])[i]).toString('base64'));
    case 'image': {
      // The image itself is not written (to_tensor gives its pixels): what it is, as JSON.
      const v = (t.data as ImageValue[])[i];
      return JSON.stringify({ format: v.format, channels: v.channels, ...(v.resize ? { width: v.resize.width, height: v.resize.height } : {}) });
    }
  }
}
