/**
 * A JSONL sink: one line per run record, appended to a file.
 *
 * Each record is serialized first and appended with a single `write` call on a file opened with
 * O_APPEND, so concurrent writers do not interleave inside a line and a crash leaves at most a
 * truncated last line (which readers skip as invalid JSON), never a line that parses as a record.
 */
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunRecord } from '../../plan/record-types.ts';
import { SinkError, type Sink } from './sink.ts';

/** Appends each record as one JSON line; open with {@link JsonlSink.open}. */
export class JsonlSink implements Sink {
  readonly description: string;

  private constructor(readonly path: string) {
    this.description = `jsonl ${path}`;
  }

  /** Create the parent directories and check that the file can be appended to. Throws SinkError. */
  static open(path: string): JsonlSink {
    try {
      mkdirSync(dirname(path), { recursive: true });
      closeSync(openSync(path, 'a'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SinkError(path, e.code === 'EISDIR' ? 'it is a directory' : e.message);
    }
    return new JsonlSink(path);
  }

  write(record: RunRecord): void {
    const line = `${JSON.stringify(record)}\n`;
    try {
      appendFileSync(this.path, line);
    } catch (err) {
      throw new SinkError(this.path, (err as Error).message);
    }
  }

  close(): void {}
}
