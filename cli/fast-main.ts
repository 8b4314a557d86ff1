/**
 * The commands bundled for fast start-up (scripts/build-cli.mjs): everything editors and CI call often and
 * that needs neither onnxruntime nor worker threads.
 */
import * as check from './commands/check.ts';
import * as compile from './commands/compile.ts';
import * as fmt from './commands/fmt.ts';
import * as graph from './commands/graph.ts';
import * as importCmd from './commands/import.ts';
import * as init from './commands/init.ts';
import * as lsp from './commands/lsp.ts';
import { runCli } from './program.ts';

export function main(argv: string[]): Promise<number> {
  return runCli(argv, [check, compile, graph, fmt, lsp, init, importCmd]);
}
