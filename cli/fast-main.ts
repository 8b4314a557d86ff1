/**
 * The commands bundled for fast start-up (scripts/build-cli.mjs): everything editors and CI call often and
 * that needs neither onnxruntime nor worker threads.
 */
import * as check from './commands/check.ts';
import * as compile from './commands/compile.ts';
import * as fmt from './commands/fmt.ts';
import * as graph from './commands/graph.ts';
import * as init from './commands/init.ts';
import * as lsp from './commands/lsp.ts';
import { runCli, type Registrar } from './program.ts';

export async function main(argv: string[]): Promise<number> {
  const commands: Registrar[] = [check, compile, graph, fmt, lsp, init];
  // `import` brings the YAML reader and the protobuf-text grammar: loaded only when it is the command run.
  if (argv[2] === 'import') commands.push(await import('./commands/import.ts'));
  return runCli(argv, commands);
}
