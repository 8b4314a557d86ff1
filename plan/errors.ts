/**
 * The one base class of the errors a user can cause outside a `.m4` file (those are diagnostics), and the
 * process exit codes they map to.
 *
 * Why in plan/: an error is thrown in every layer (stdlib kernels and accumulator states, the plan
 * validator, runtime sources, sinks and state files, the dashboard's database) and caught by the CLI, the
 * language server or a server. plan/ is the only folder every layer may import and it imports nothing of
 * ours, so the base class can live nowhere else without adding an arrow the layering forbids (stdlib →
 * runtime, runtime → cli, ...). The exit codes live with it because each error carries its own.
 */

/** Process exit codes of every `m4c` command. Documented in docs/cli.md; CI jobs depend on them. */
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

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An error meant for the user: `message` is one line (no stack trace is shown) and `exitCode` is what the
 * command exits with. Anything thrown that is not an `M4Error` is a bug in m4 and is reported as an
 * internal error.
 */
export class M4Error extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.runtime,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
