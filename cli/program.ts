/**
 * The `m4c` program: parse arguments against a set of commands, run one, and turn every failure into an
 * exit code and at most one line on stderr (no stack trace unless M4_DEBUG is set).
 */
import { Command, CommanderError } from 'commander';
import { EXIT, M4Error } from '../plan/errors.ts';
import { M4_VERSION } from '../plan/version.ts';

export type Registrar = { register(program: Command): void };

/** Parse `argv` against the given commands and return the exit code; never throws. */
export async function runCli(argv: string[], registrars: Registrar[]): Promise<number> {
  const program = new Command('m4c')
    .description('m4: compile, check and run ML inference graphs with built-in A/B comparisons')
    .version(M4_VERSION, '-V, --version')
    .exitOverride()
    // Commander's own errors (bad flags, a missing argument) as every other error: one line, `m4c: ...`.
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`m4c: ${s.replace(/^error: /, '').trimEnd()} (see \`m4c --help\`)\n`),
    });
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  for (const r of registrars) r.register(program);
  program.hook('postAction', (_this, action) => {
    const code = (action as Command & { exitCodeValue?: number }).exitCodeValue;
    if (typeof code === 'number') setExit(code);
  });
  try {
    await program.parseAsync(argv);
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT.usage;
    }
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    // The one place errors become exit codes: every user-facing error carries its own.
    if (err instanceof M4Error) {
      process.stderr.write(`m4c: ${err.message}\n`);
      return err.exitCode;
    }
    // A bug in m4, not a user error: one line plus where to look, stack only on request.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`m4c: internal error: ${message}\n`);
    if (process.env.M4_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    else process.stderr.write('m4c: set M4_DEBUG=1 to see the stack trace, and please report it.\n');
    return EXIT.runtime;
  }
}

/**
 * Record the exit code of the command being run. Commands call this instead of `process.exit`, so the
 * process ends naturally after its output is flushed.
 */
export function setCommandExit(cmd: Command, code: number): void {
  (cmd as Command & { exitCodeValue?: number }).exitCodeValue = code;
}
