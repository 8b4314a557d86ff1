/**
 * `m4c`: the command-line front end. Each command lives in `cli/commands/<name>.ts` and exports
 * `register(program)`; this file only assembles them and turns unexpected failures into one line.
 */
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './exit-codes.ts';
import { M4_VERSION } from './version.ts';

type Registrar = { register(program: Command): void };

/** Commands in `m4c --help` order; each module is imported lazily so start-up stays fast. */
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  check: () => import('./commands/check.ts'),
  compile: () => import('./commands/compile.ts'),
  graph: () => import('./commands/graph.ts'),
  run: () => import('./commands/run.ts'),
};

export async function main(argv: string[]): Promise<number> {
  const program = new Command('m4c')
    .description('m4: compile, check and run ML inference graphs with built-in A/B comparisons')
    .version(M4_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(run `m4c --help` for usage)');
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => { exitCode = code; };
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      const mod = await load();
      mod.register(program);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(`commands/${name}.ts`)) continue;
      throw err;
    }
  }
  program.hook('postAction', (_this, action) => {
    const code = (action as Command & { exitCodeValue?: number }).exitCodeValue;
    if (typeof code === 'number') setExit(code);
  });
  try {
    await program.parseAsync(argv);
    if (argv.length <= 2) { program.outputHelp(); return EXIT.usage; }
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`m4c: ${err.message}\n`);
      return err.code;
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
