/**
 * `m4c compile FILE [-o plan.json]`: the validated execution plan, as JSON.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { planSchemaErrors } from '../../plan/plan-schema.ts';
import { printDiagnostics, summaryLine } from '../diagnostics-output.ts';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { compileForCli } from '../load-source.ts';
import { setCommandExit } from '../program.ts';

export function register(program: Command): void {
  program
    .command('compile')
    .description('compile a .m4 file into its JSON execution plan')
    .argument('<file>', 'the .m4 file')
    .option('-o, --output <plan.json>', 'write the plan here instead of standard output')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c compile examples/fraud/ab.m4 -o fraud.plan.json
  $ m4c run fraud.plan.json --data replay.jsonl

Exit codes: 0 compiled, 1 the file has errors, 2 usage error.`,
    )
    .action((file: string, opts: { output?: string }, cmd: Command) => {
      const c = compileForCli(file);
      const sources = new Map([[file, c.text]]);
      printDiagnostics(c.diagnostics, sources);
      if (!c.plan) {
        process.stderr.write(`${file}: ${summaryLine(c.diagnostics)}; no plan written\n`);
        setCommandExit(cmd, EXIT.failed);
        return;
      }
      const problems = planSchemaErrors(c.plan);
      if (problems.length > 0)
        throw new CliError(`internal error: the plan does not match its schema: ${problems.slice(0, 3).join('; ')}`, EXIT.runtime);
      const json = `${JSON.stringify(c.plan, null, 2)}\n`;
      if (opts.output) {
        try {
          writeFileSync(opts.output, json);
        } catch (err) {
          throw new CliError(`cannot write ${opts.output}: ${(err as Error).message}`, EXIT.usage);
        }
        process.stderr.write(`wrote ${opts.output} (${c.plan.nodes.length} nodes, plan ${c.plan.plan_hash.slice(0, 12)})\n`);
      } else {
        process.stdout.write(json);
      }
      setCommandExit(cmd, EXIT.ok);
    });
}
