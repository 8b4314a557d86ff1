/**
 * Reading a `.m4` file for a command, with every way it can fail turned into a one-line CLI error.
 */
import { compileFile, type Compilation, type CompileOptions } from '../compiler/compile.ts';
import { CliError } from './exit-codes.ts';
import { EXIT } from '../plan/errors.ts';

export function compileForCli(path: string, opts: CompileOptions = {}): Compilation {
  try {
    return compileFile(path, opts);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`no such file: ${path}`, EXIT.usage);
    if (code === 'EISDIR') throw new CliError(`${path} is a directory, not a .m4 file`, EXIT.usage);
    if (code === 'EACCES') throw new CliError(`cannot read ${path}: permission denied`, EXIT.usage);
    throw err;
  }
}
