/**
 * `m4c graph FILE [--format dot|mermaid]`: draw the compiled plan's nodes and edges, nothing else.
 */
import type { Command } from 'commander';
import { planToDot, planToMermaid } from '../../plan/plan-drawing.ts';
import { printDiagnostics, summaryLine } from '../diagnostics-output.ts';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { compileForCli } from '../load-source.ts';
import { setCommandExit } from '../program.ts';

export function register(program: Command): void {
  program
    .command('graph')
    .description("draw the compiled graph (exactly the plan's edges) as Graphviz dot or Mermaid")
    .argument('<file>', 'the .m4 file')
    .option('--format <format>', 'dot or mermaid', 'dot')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c graph examples/fraud/ab.m4 | dot -Tsvg > ab.svg
  $ m4c graph examples/fraud/ab.m4 --format mermaid

Exit codes: 0 drawn, 1 the file has errors, 2 usage error.`,
    )
    .action((file: string, opts: { format: string }, cmd: Command) => {
      if (opts.format !== 'dot' && opts.format !== 'mermaid')
        throw new CliError(`unknown --format ${JSON.stringify(opts.format)}: use dot or mermaid`);
      const c = compileForCli(file);
      printDiagnostics(c.diagnostics, new Map([[file, c.text]]));
      if (!c.plan) {
        process.stderr.write(`${file}: ${summaryLine(c.diagnostics)}; nothing to draw\n`);
        setCommandExit(cmd, EXIT.failed);
        return;
      }
      process.stdout.write(opts.format === 'dot' ? planToDot(c.plan) : planToMermaid(c.plan));
      setCommandExit(cmd, EXIT.ok);
    });
}
