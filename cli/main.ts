/**
 * `m4c`: the command-line front end. Each command lives in `cli/commands/<name>.ts` and exports
 * `register(program)`; this file only assembles them and turns unexpected failures into one line.
 */
import { runCli, type Registrar } from './program.ts';

export { setCommandExit } from './program.ts';

/** Commands in `m4c --help` order; each module is imported lazily so start-up stays fast. */
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  check: () => import('./commands/check.ts'),
  compile: () => import('./commands/compile.ts'),
  graph: () => import('./commands/graph.ts'),
  run: () => import('./commands/run.ts'),
  compare: () => import('./commands/compare.ts'),
  merge: () => import('./commands/merge.ts'),
  fmt: () => import('./commands/fmt.ts'),
  lsp: () => import('./commands/lsp.ts'),
  init: () => import('./commands/init.ts'),
  report: () => import('./commands/report.ts'),
  dashboard: () => import('./commands/dashboard.ts'),
};

/** Run `m4c` with every command (each module loaded on demand). */
export async function main(argv: string[]): Promise<number> {
  const registrars: Registrar[] = [];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      registrars.push(await load());
    } catch (err) {
      // TEMPORARY while the commands are being written in parallel: a command whose module does not exist
      // yet is left out of the program. Remove once every command above exists.
      if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(`commands/${name}.ts`)) continue;
      throw err;
    }
  }
  return runCli(argv, registrars);
}

