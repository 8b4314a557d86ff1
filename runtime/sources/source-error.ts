/**
 * The one error type sources throw. It is a user error, not a bug: the CLI prints `message` in one
 * line without a stack trace.
 */
import type { BadRowReason } from './source-types.ts';
import { EXIT, M4Error } from '../../plan/errors.ts';

/**
 * Why a source stopped: a bad row in `fail` mode (a `BadRowReason`), a file that cannot be read
 * (`unreadable`), or options/inputs the source cannot honour (`unsupported`).
 */
export type SourceErrorReason = BadRowReason | 'unreadable' | 'unsupported';

/**
 * A user-facing error of a source; `message` is one line: `file:line: bad row (reason): detail`. A file
 * that cannot be read or options the source cannot honour are usage errors (exit 2); a bad row in `fail`
 * mode is a runtime error (exit 3).
 */
export class SourceError extends M4Error {
  /** 1-based line of the offending row, or null when the error is not about one row. */
  readonly line: number | null;
  readonly reason: SourceErrorReason;
  /** Short, specific description (`field "tx": expected 30 numbers, got 29`). */
  readonly detail: string;
  /** The data file, as given to `openSource`. */
  readonly file: string;

  constructor(file: string, line: number | null, reason: SourceErrorReason, detail: string) {
    super(formatSourceMessage(file, line, reason, detail), reason === 'unreadable' || reason === 'unsupported' ? EXIT.usage : EXIT.runtime);
    this.file = file;
    this.line = line;
    this.reason = reason;
    this.detail = detail;
  }
}

function formatSourceMessage(file: string, line: number | null, reason: SourceErrorReason, detail: string): string {
  const where = line === null ? file : `${file}:${line}`;
  if (reason === 'unreadable' || reason === 'unsupported') return `${where}: ${detail}`;
  return `${where}: bad row (${reason}): ${detail}`;
}
