/**
 * The one error a kernel throws.
 *
 * Type rules catch misuse at compile time; a kernel only fails when concrete sizes contradict what
 * the static type could not know (an unknown `?` dim that turns out too small, two inputs whose
 * row counts differ at run time). The executor catches `KernelError` and reports it against the
 * node's name and source span, so the message says what went wrong in the user's terms and never
 * needs a stack trace.
 */
import { EXIT, M4Error } from '../../plan/errors.ts';

export class KernelError extends M4Error {
  /** Name of the op whose kernel failed. */
  readonly op: string;

  constructor(op: string, message: string) {
    super(`${op}: ${message}`, EXIT.runtime);
    this.op = op;
  }
}
