/**
 * `m4c init MODEL.onnx [--candidate NEW.onnx] [--data SAMPLE] [--label FIELD] [-o FILE.m4] [--force]`:
 * write a complete `.m4` file for a model, or an A/B comparison of two, that compiles and runs.
 *
 * Exit codes: 0 written; 1 written, but with differences between the models that init could not bridge
 * (marked `TODO(m4 init)`, the file does not compile until they are fixed); 2 bad input (a missing or
 * non-ONNX model, a sample that fits no input, an existing file without --force, no model and no
 * terminal to ask on); 3 a bug (the generated file does not compile: nothing is written).
 * See docs/onboarding.md.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { generateInit, outputTarget, type InitOptions } from '../init/generate.ts';
import { setCommandExit } from '../program.ts';
import { makeDirs } from '../../runtime/make-dirs.js';

interface InitFlags {
  candidate?: string;
  data?: string;
  label?: string;
  output?: string;
  force?: boolean;
}

/** Add `init` to the program. */
export function register(program: Command): void {
  program
    .command('init')
    .description('write a working .m4 graph for an ONNX model, or an A/B comparison of two, from their signatures')
    .argument('[model]', 'the ONNX model in production (the control); omitted on a terminal: asked interactively')
    .option('--candidate <new.onnx>', 'the candidate model: adds a comparison block with metrics and gates')
    .option('--data <sample>', 'recorded rows (.jsonl, .csv, .parquet or Arrow IPC): maps fields to inputs, finds labels, becomes the replay')
    .option('--label <field>', 'the field holding the true labels (default: label, target, y or class)')
    .option('-o, --output <file.m4>', 'where to write the graph; - for standard output (default: NAME.m4 here)')
    .option('--force', 'overwrite an existing file')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c init models/fraud-v1.onnx --candidate models/fraud-v2.onnx --data data/replay.jsonl -o ab.m4
  $ m4c run ab.m4
  $ m4c init model.onnx -o -

Exit codes: 0 written, 1 written with TODOs (differences init could not bridge), 2 bad input, 3 internal error.`,
    )
    .action(async (model: string | undefined, flags: InitFlags, cmd: Command) => {
      setCommandExit(cmd, await initCommand(model, flags, cmd));
    });
}

async function initCommand(model: string | undefined, flags: InitFlags, cmd: Command): Promise<number> {
  let opts: InitOptions;
  let force = flags.force === true;
  if (model === undefined) {
    if (!(process.stdin.isTTY && process.stdout.isTTY)) {
      process.stderr.write(cmd.helpInformation());
      process.stderr.write('\nm4c init: give a model, or run it on a terminal to be asked for one\n');
      return EXIT.usage;
    }
    const { askInitOptions } = await import('../init/prompts.ts');
    const asked = await askInitOptions(process.cwd());
    opts = asked.options;
    force ||= asked.overwrite;
  } else {
    opts = { model, candidate: flags.candidate, data: flags.data, label: flags.label, output: flags.output, cwd: process.cwd() };
  }

  if (opts.label !== undefined && opts.candidate === undefined) {
    process.stderr.write('m4c init: --label is used by the comparison, and there is none without --candidate: ignored\n');
  }
  const target = outputTarget(opts);
  if (target.outFile !== null && existsSync(target.outFile) && !force) {
    throw new CliError(`${opts.output ?? target.shownName} already exists: pass --force to overwrite it`, EXIT.usage);
  }
  const r = await generateInit(opts);
  if (!r.ok) {
    if (r.details) process.stderr.write(`${r.details}\n`);
    throw new CliError(r.message, r.exit === 3 ? EXIT.runtime : EXIT.usage);
  }

  const shown = opts.output === '-' ? 'standard output' : (opts.output ?? target.shownName);
  if (r.outFile === null) {
    process.stdout.write(r.text);
  } else {
    try {
      makeDirs(dirname(r.outFile));
      writeFileSync(r.outFile, r.text, { flag: force ? 'w' : 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new CliError(`${shown} already exists: pass --force to overwrite it`, EXIT.usage);
      throw new CliError(`cannot write ${shown}: ${code ?? (err as Error).message}`, EXIT.usage);
    }
  }
  for (const w of r.warnings) process.stderr.write(`m4c init: ${w}\n`);
  if (r.todos.length > 0) {
    const n = r.todos.length;
    process.stderr.write(
      `wrote ${shown} with ${n} TODO${n === 1 ? '' : 's'}: the models differ in ways no stdlib op bridges, and the file does not compile until ${n === 1 ? 'it is' : 'they are'} fixed:\n`,
    );
    for (const t of r.todos) process.stderr.write(`  line ${t.line}: ${t.diagnostic}\n`);
    return EXIT.failed;
  }
  if (r.outFile !== null) {
    process.stderr.write(`wrote ${shown}\nnext: m4c check ${shown} && m4c run ${shown}${opts.data === undefined ? ' --data ROWS.jsonl' : ''}\n`);
  }
  return EXIT.ok;
}
