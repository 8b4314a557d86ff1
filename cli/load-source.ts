/**
 * Reading a `.m4` file for a command, with every way it can fail turned into a one-line CLI error.
 */
import { compileFile, type Compilation, type CompileOptions } from '../compiler/compile.ts';
import { SourceFileError } from '../compiler/source-file.ts';
import { CliError, EXIT } from './exit-codes.ts';

export function compileForCli(path: string, opts: CompileOptions = {}): Compilation {
  try {
    return compileFile(path, opts);
  } catch (err) {
    if (err instanceof SourceFileError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}
