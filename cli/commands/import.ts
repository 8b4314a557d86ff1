/**
 * `m4c import PATH [--from triton|seldon|kserve] [--model NAME] [--candidate PATH_OR_VERSION] [-o FILE]`:
 * a serving graph from another platform as a `.m4` file that checks — and, with a candidate, compares.
 *
 * Exit codes: 0 written and checks clean; 1 written with TODOs (members m4 cannot run, unsupported
 * constructs, errors in the source graph — each reported at the source file's line); 2 nothing written.
 * See docs/import.md.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import type { Command } from 'commander';
import { printDiagnostics } from '../diagnostics-output.ts';
import { EXIT } from '../../plan/errors.ts';
import { CliError } from '../exit-codes.ts';
import type { Platform } from '../import/graph-ir.ts';
import { runImport, type ImportOutcome } from '../import/run-import.ts';
import { setCommandExit } from '../program.ts';
import { makeDirs } from '../../runtime/make-dirs.js';

interface ImportFlags {
  from?: string;
  model?: string;
  candidate?: string;
  output?: string;
  force?: boolean;
}

const PLATFORMS: readonly Platform[] = ['triton', 'seldon', 'kserve'];

export function register(program: Command): void {
  program
    .command('import')
    .description('write a .m4 graph from a Triton model repository, a Seldon Core 2 pipeline or experiment, or a KServe InferenceGraph')
    .argument('<path>', 'a Triton repository (or one model directory in it), or a YAML file or directory of YAML files')
    .option('--from <platform>', 'triton, seldon or kserve (default: detected from the files)')
    .option('--model <name>', 'which ensemble, pipeline, experiment or graph to import when there are several')
    .option('--candidate <path-or-version>', 'a second version (Triton: a version number) or repository of the same graph: adds a comparison')
    .option('-o, --output <file.m4>', 'where to write; - for standard output (default: NAME.m4 here)')
    .option('--force', 'overwrite an existing file')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c import models/ -o ensemble.m4
  $ m4c import models/ --model text_ensemble --candidate 2 -o v2-vs-v1.m4
  $ m4c import pipelines/ --from seldon --model fraud-experiment

Exit codes: 0 written and checks clean, 1 written with TODOs, 2 nothing written.`,
    )
    .action((path: string, flags: ImportFlags, cmd: Command) => {
      setCommandExit(cmd, importCommand(path, flags));
    });
}

function importCommand(path: string, flags: ImportFlags): number {
  if (flags.from !== undefined && !(PLATFORMS as readonly string[]).includes(flags.from)) {
    throw new CliError(`--from ${flags.from}: expected one of ${PLATFORMS.join(', ')}`, EXIT.usage);
  }
  const command = [
    'm4c import',
    path,
    ...(flags.from ? ['--from', flags.from] : []),
    ...(flags.model ? ['--model', flags.model] : []),
    ...(flags.candidate ? ['--candidate', flags.candidate] : []),
  ].join(' ');
  const r = runImport({
    path,
    from: flags.from as Platform | undefined,
    model: flags.model,
    candidate: flags.candidate,
    output: flags.output,
    cwd: process.cwd(),
    command,
  });
  printDiagnostics(r.diagnostics, r.sources);
  if (r.text === null) {
    process.stderr.write('m4c import: nothing written\n');
    return EXIT.usage;
  }
  if (r.outFile === null) process.stdout.write(r.text);
  else {
    if (existsSync(r.outFile) && flags.force !== true) throw new CliError(`${r.shownName} already exists: pass --force to overwrite it`, EXIT.usage);
    try {
      makeDirs(dirname(r.outFile));
      writeFileSync(r.outFile, r.text);
    } catch (err) {
      throw new CliError(`cannot write ${r.shownName}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
    }
  }
  process.stderr.write(summary(r));
  return r.exit === 0 ? EXIT.ok : EXIT.failed;
}

/** What was written, the members m4 cannot run with what to do, the unsupported constructs, the next step. */
function summary(r: ImportOutcome): string {
  const g = r.graph!;
  const f = r.finished!;
  const where = (s: { file: string; line: number }) => `${relative(process.cwd(), s.file) || basename(s.file)}:${s.line}`;
  const out: string[] = [];
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  out.push(
    `wrote ${r.shownName}: ${plural(g.inputs.length, 'input')}, ${plural(g.models.length, 'model')}, ${plural(g.steps.length, 'call')}, ${plural(g.outputs.length, 'output')}${g.comparisons.length ? `, ${plural(g.comparisons.length, 'comparison')}` : ''}`,
  );
  if (f.externals.length > 0) {
    out.push(`members m4 cannot run (declared external; \`m4c run\` refuses the graph until they are replaced):`);
    for (const m of f.externals) out.push(`  ${m.name} (${m.backend ?? 'unknown'} backend, ${where(m.origin)}): ${m.advice ?? ''}`);
  }
  if (g.notes.length > 0) {
    out.push('unsupported constructs:');
    for (const n of g.notes) out.push(`  ${where(n.span)}: ${n.construct}: ${n.instead}`);
  }
  if (f.todos > 0) out.push(`${plural(f.todos, 'TODO')} in the file (search for TODO(m4 import))`);
  const shown = r.outFile === null ? 'FILE.m4' : r.shownName;
  out.push(
    r.exit === 0
      ? `next: m4c check ${shown} && m4c run ${shown} --data ROWS.jsonl`
      : `next: ${f.todos > 0 ? 'resolve the TODOs' : 'fix the errors above'}, then m4c check ${shown}`,
  );
  return `${out.join('\n')}\n`;
}
