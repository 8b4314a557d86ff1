/**
 * The CLI's own user errors (bad flags, a missing file): an {@link M4Error} that defaults to the usage
 * exit code. Exit codes themselves are `EXIT` in plan/errors.ts.
 */
import { EXIT, M4Error, type ExitCode } from '../plan/errors.ts';

/** An error the CLI prints as one line (no stack) and exits with `exitCode` (default: usage, 2). */
export class CliError extends M4Error {
  constructor(message: string, code: ExitCode = EXIT.usage) {
    super(message, code);
  }
}
