/**
 * `m4c init` with no model on a terminal: four short questions (model, candidate, data sample, output
 * file) with defaults found in the working directory, then the same generator as the flags.
 *
 * The mapping from answers to options is a pure function ({@link answersToOptions}) so it is tested
 * without a terminal; the questions themselves use `@inquirer/prompts`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { defaultOutputName, type InitOptions } from './generate.ts';
import { analyzeModel } from './model-analysis.ts';

/** The answers as typed: empty strings mean "none" (candidate, data) or "the default" (output). */
export interface PromptAnswers {
  model: string;
  candidate: string;
  data: string;
  output: string;
}

/** Answers → generator options. Trims every answer; an empty output is the default file name. */
export function answersToOptions(a: PromptAnswers, cwd: string): InitOptions {
  const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());
  const model = a.model.trim();
  const candidate = opt(a.candidate);
  return { model, candidate, data: opt(a.data), output: opt(a.output) ?? defaultOutputName(model, candidate), cwd };
}

/** Files in `cwd` and its `models/` and `data/` folders, sorted: the prompts' defaults. */
export function findCandidates(cwd: string): { models: string[]; samples: string[] } {
  const list = (dir: string) => {
    try {
      return readdirSync(resolve(cwd, dir))
        .sort()
        .map((f) => (dir === '.' ? f : join(dir, f)));
    } catch {
      return [];
    }
  };
  const files = [...list('.'), ...list('models'), ...list('data')];
  return {
    models: files.filter((f) => /\.onnx$/i.test(f)),
    samples: files.filter((f) => /\.(jsonl|ndjson|csv)(\.gz)?$/i.test(f)),
  };
}

function checkModel(cwd: string, p: string, optional: boolean): true | string {
  if (p.trim() === '') return optional ? true : 'a model is required';
  const r = analyzeModel(p.trim(), cwd);
  return r.ok ? true : r.message;
}

function checkSample(cwd: string, p: string): true | string {
  if (p.trim() === '') return true;
  try {
    return statSync(resolve(cwd, p.trim())).isFile() ? true : `${p.trim()} is not a file`;
  } catch {
    return `${p.trim()}: no such file`;
  }
}

/** Streams to ask on instead of the process's terminal (tests drive the prompt through them). */
export interface PromptIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/**
 * Ask the questions on the terminal. Ctrl-C ends init with exit 130 and writes nothing. `overwrite` is
 * true when the user confirmed replacing an existing output file.
 */
export async function askInitOptions(cwd: string, io?: PromptIo): Promise<{ options: InitOptions; overwrite: boolean }> {
  const prompts = await import('@inquirer/prompts');
  const input = (config: Parameters<typeof prompts.input>[0]) => prompts.input(config, io);
  const confirm = (config: Parameters<typeof prompts.confirm>[0]) => prompts.confirm(config, io);
  const found = findCandidates(cwd);
  try {
    const model = await input({
      message: 'ONNX model in production (the control):',
      default: found.models[0],
      validate: (p) => checkModel(cwd, p, false),
    });
    // Optional answers have no default, so that Enter on an empty line means "none"; what was found is a hint.
    const hint = (files: string[]) => (files.length > 0 ? `found: ${files.slice(0, 3).join(', ')}; ` : '');
    const others = found.models.filter((m) => m !== model.trim());
    const candidate = await input({ message: `Candidate model to compare (${hint(others)}empty: none):`, validate: (p) => checkModel(cwd, p, true) });
    const data = await input({ message: `Recorded rows, .jsonl or .csv (${hint(found.samples)}empty: none):`, validate: (p) => checkSample(cwd, p) });
    const answers: PromptAnswers = { model, candidate, data, output: '' };
    const suggested = answersToOptions(answers, cwd).output!;
    answers.output = await input({ message: 'Write the graph to:', default: suggested });
    const options = answersToOptions(answers, cwd);
    let overwrite = false;
    if (options.output !== '-' && existsSync(resolve(cwd, options.output!))) {
      overwrite = await confirm({ message: `${options.output} exists. Overwrite it?`, default: false });
      if (!overwrite) throw new CliError(`${options.output} already exists: nothing written`, EXIT.usage);
    }
    return { options, overwrite };
  } catch (err) {
    if (err instanceof Error && err.name === 'ExitPromptError') throw new CliError('cancelled: nothing written', EXIT.interrupted);
    throw err;
  }
}
