/**
 * `m4c fmt FILE... [--check] [--write]`: the one canonical layout of `.m4` files (compiler/format.ts).
 *
 * Without flags the formatted text goes to stdout (`-` reads stdin, for editors that format through a
 * pipe). `--check` changes nothing and exits 1 when a file would change, listing it; `--write` rewrites
 * the files that change, listing them. A file with syntax errors is never touched: its diagnostics are
 * printed and the command exits 2 (after handling the other files).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatSource } from '../../compiler/format.ts';
import { readSourceFile, SourceFileError } from '../../compiler/source-file.ts';
import { printDiagnostics } from '../diagnostics-output.ts';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { setCommandExit } from '../program.ts';

interface FmtOptions {
  check?: boolean;
  write?: boolean;
}

export function register(program: Command): void {
  program
    .command('fmt')
    .description('format .m4 files in the one canonical layout (comments kept; files with syntax errors are refused)')
    .argument('<files...>', '.m4 files to format; - reads stdin')
    .option('--check', 'change nothing; exit 1 and list the files that are not formatted')
    .option('--write', 'rewrite the files that are not formatted, in place')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c fmt examples/fraud/ab.m4            # print the formatted file
  $ m4c fmt --write graphs/*.m4             # format in place
  $ m4c fmt --check graphs/*.m4             # in CI: fail when a file is not formatted

Exit codes: 0 formatted (or already formatted), 1 --check found files to format, 2 usage error or a file
with syntax errors (left unchanged).`,
    )
    .action((files: string[], opts: FmtOptions, cmd: Command) => {
      if (opts.check && opts.write) throw new CliError('use either --check or --write, not both');
      if (files.filter((f) => f === '-').length > 1) throw new CliError('stdin (-) can be read once');
      if (opts.write && files.includes('-')) throw new CliError('--write cannot rewrite stdin (-)');
      let refused = false;
      const unformatted: string[] = [];
      for (const file of files) {
        const text = readSource(file);
        if (text === undefined) {
          refused = true;
          continue;
        }
        const shownName = file === '-' ? '<stdin>' : file;
        const r = formatSource(text, shownName);
        if (!r.ok) {
          printDiagnostics(r.diagnostics, new Map([[shownName, text]]));
          process.stderr.write(
            `m4c: ${shownName} was not formatted: ${r.diagnostics.some((d) => d.code.startsWith('M0')) ? 'fix its syntax errors first' : 'internal formatter error'}\n`,
          );
          refused = true;
          continue;
        }
        if (opts.check) {
          if (r.changed) {
            unformatted.push(shownName);
            process.stdout.write(`${shownName}\n`);
          }
        } else if (opts.write) {
          if (r.changed) {
            try {
              writeFileSync(file, r.text);
            } catch (err) {
              process.stderr.write(`m4c: cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
              refused = true;
              continue;
            }
            process.stdout.write(`${shownName}\n`);
          }
        } else {
          process.stdout.write(r.text);
        }
      }
      if (opts.check && unformatted.length > 0) {
        process.stderr.write(`${unformatted.length} file${unformatted.length === 1 ? '' : 's'} not formatted (run \`m4c fmt --write\`)\n`);
      }
      setCommandExit(cmd, refused ? EXIT.usage : opts.check && unformatted.length > 0 ? EXIT.failed : EXIT.ok);
    });
}

/** The file's text, or undefined after printing one line about why it cannot be read. */
function readSource(file: string): string | undefined {
  try {
    return readSourceFile(file);
  } catch (err) {
    if (!(err instanceof SourceFileError)) throw err;
    process.stderr.write(`m4c: ${err.message}\n`);
    return undefined;
  }
}
