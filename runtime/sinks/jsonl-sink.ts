/**
 * A JSONL sink: one line per run record, appended to a file.
 *
 * Each record is serialized first and appended with a single `write` call on a file opened with
 * O_APPEND, so concurrent writers do not interleave inside a line and a crash leaves at most a
 * truncated last line (which readers skip as invalid JSON), never a line that parses as a record. The
 * next record after such a fragment starts on a line of its own (a newline is put first), so the
 * fragment never swallows it.
 *
 * {@link JsonlSink.writeOnce} appends a record unless the file already holds one with the same run key
 * (`meta.run_id`) and comparison: what a retried distributed merge needs (runtime/distributed). The
 * check and the append happen under a lock file (`FILE.lock`, created exclusively), so two attempts at
 * once still write one line.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunRecord } from '../../plan/record-types.ts';
import { SinkError, type Sink } from './sink.ts';
import { makeDirs } from '../make-dirs.js';

/** A lock older than this was left by a killed process: taken over. */
const STALE_LOCK_MS = 60_000;
/** How long writeOnce waits for another process's lock before failing. */
const LOCK_WAIT_MS = 30_000;

/** Appends each record as one JSON line; open with {@link JsonlSink.open}. */
export class JsonlSink implements Sink {
  readonly description: string;

  private constructor(readonly path: string) {
    this.description = `jsonl ${path}`;
  }

  /** Create the parent directories and check that the file can be appended to. Throws SinkError. */
  static open(path: string): JsonlSink {
    try {
      makeDirs(dirname(path));
      closeSync(openSync(path, 'a'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SinkError(path, e.code === 'EISDIR' ? 'it is a directory' : e.message);
    }
    return new JsonlSink(path);
  }

  write(record: RunRecord): void {
    try {
      this.append(record);
    } catch (err) {
      throw new SinkError(this.path, (err as Error).message);
    }
  }

  /**
   * Append the record unless a line with the same run key and comparison is there already (an
   * earlier attempt wrote it). True when written, false when it was already recorded.
   */
  writeOnce(record: RunRecord): boolean {
    try {
      const release = this.lock();
      try {
        if (this.holds(record.meta.run_id, record.comparison.name)) return false;
        this.append(record);
        return true;
      } finally {
        release();
      }
    } catch (err) {
      if (err instanceof SinkError) throw err;
      throw new SinkError(this.path, (err as Error).message);
    }
  }

  close(): void {}

  /** One `write` of the line, after a newline when the file ends inside a line (a crash's fragment). */
  private append(record: RunRecord): void {
    const line = `${JSON.stringify(record)}\n`;
    const fd = openSync(this.path, 'a+');
    try {
      const size = fstatSync(fd).size;
      let lead = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) lead = '\n';
      }
      writeSync(fd, lead + line);
    } finally {
      closeSync(fd);
    }
  }

  /** True when a complete line of the file is the record of this run key and comparison. */
  private holds(runId: string, comparison: string): boolean {
    const needle = Buffer.from(`"run_id":${JSON.stringify(runId)}`);
    const matches = (line: Buffer): boolean => {
      if (line.indexOf(needle) < 0) return false;
      try {
        const r = JSON.parse(line.toString('utf8')) as Partial<RunRecord>;
        return r.meta?.run_id === runId && r.comparison?.name === comparison;
      } catch {
        return false; // a crash's fragment
      }
    };
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      let carry: Buffer = Buffer.alloc(0);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        // A last line without its newline is a fragment: never a record.
        if (n === 0) return false;
        const chunk = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
        let start = 0;
        for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
          if (matches(chunk.subarray(start, nl))) return true;
          start = nl + 1;
        }
        carry = Buffer.from(chunk.subarray(start));
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Take `FILE.lock` (exclusive create), waiting for another holder; returns its release. */
  private lock(): () => void {
    const path = `${this.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return () => unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      try {
        if (Date.now() - statSync(path).mtimeMs > STALE_LOCK_MS) unlinkSync(path);
      } catch {
        // Released meanwhile: try again.
      }
      if (Date.now() > deadline) throw new SinkError(this.path, `${path} is held by another writer (remove it if no m4 is writing)`);
      Atomics.wait(nap, 0, 0, 50);
    }
  }
}
