/**
 * Process exit codes of every `m4c` command. Documented in docs/cli.md; CI jobs depend on them.
 */
export const EXIT = {
  /** Success: no errors, every gate passed. */
  ok: 0,
  /** `check`: the file has errors. `run`/`compare`/`merge`: a gate failed. */
  failed: 1,
  /** Usage error or compile error (bad flags, missing file, diagnostics with errors before a run). */
  usage: 2,
  /** Runtime error: a model failed, bad data with --on-bad-row fail, a sink could not be written. */
  runtime: 3,
  /** Interrupted by Ctrl-C (SIGINT): a summary of what was processed is printed; nothing is recorded as passed. */
  interrupted: 130,
} as const;

/** An error the CLI prints as one line (no stack) and exits with `code`. */
export class CliError extends Error {
  constructor(message: string, readonly code: number = EXIT.usage) {
    super(message);
    this.name = 'CliError';
  }
}
