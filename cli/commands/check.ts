/**
 * `m4c check FILE...`: every diagnostic of every file, in one run. Exit 0 when no file has errors
 * (warnings allowed), 1 when one has, 2 on usage errors.
 */
import type { Command } from 'commander';
import { renderJson, printDiagnostics, summaryLine } from '../diagnostics-output.ts';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { compileForCli } from '../load-source.ts';
import { setCommandExit } from '../program.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';

export function register(program: Command): void {
  program
    .command('check')
    .description('check .m4 files: syntax, names, ONNX signatures, types and shapes, op parameters, graph, comparisons')
    .argument('<files...>', '.m4 files to check')
    .option('--format <format>', 'output format: human or json', 'human')
    .option('--deny-warnings', 'exit 1 when there are warnings too')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c check examples/fraud/ab.m4
  $ m4c check --format json graphs/*.m4 > diagnostics.json

Exit codes: 0 no errors, 1 errors found, 2 usage error.`,
    )
    .action((files: string[], opts: { format: string; denyWarnings?: boolean }, cmd: Command) => {
      if (opts.format !== 'human' && opts.format !== 'json') throw new CliError(`unknown --format ${JSON.stringify(opts.format)}: use human or json`);
      const all: Diagnostic[] = [];
      const sources = new Map<string, string>();
      for (const f of files) {
        const c = compileForCli(f, { noPlan: true });
        sources.set(f, c.text);
        all.push(...c.diagnostics);
      }
      if (opts.format === 'json') process.stdout.write(renderJson(files, all));
      else {
        printDiagnostics(all, sources);
        process.stderr.write(`${files.length === 1 ? files[0] : `${files.length} files`}: ${summaryLine(all)}\n`);
      }
      const failed = all.some((d) => d.severity === 'error') || (opts.denyWarnings === true && all.some((d) => d.severity === 'warning'));
      setCommandExit(cmd, failed ? EXIT.failed : EXIT.ok);
    });
}
