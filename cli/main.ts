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
  import: () => import('./commands/import.ts'),
  report: () => import('./commands/report.ts'),
  dashboard: () => import('./commands/dashboard.ts'),
  serve: () => import('./commands/serve.ts'),
  db: () => import('./commands/db.ts'),
  worker: () => import('./commands/worker.ts'),
  k8s: () => import('./commands/k8s.ts'),
};

/**
 * Run `m4c`. Only the named command's module is loaded (its imports — onnxruntime, the dashboard, the
 * language server — cost start-up time); `--help`, an unknown command or none at all load them all.
 */
export async function main(argv: string[]): Promise<number> {
  const name = argv[2] ?? '';
  const named = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  const loads = named && !argv.slice(3).some((a) => a === '--help' || a === '-h') ? [named] : Object.values(COMMANDS);
  const registrars: Registrar[] = [];
  for (const load of loads) registrars.push(await load());
  return runCli(argv, registrars);
}
