/**
 * Reading a `.m4` file for a command. Every way it can fail (missing, a directory or device, too large, not
 * text) is a `SourceFileError`, an `M4Error` with the usage exit code: the CLI prints its one line.
 */
import { compileFile, type Compilation, type CompileOptions } from '../compiler/compile.ts';

export function compileForCli(path: string, opts: CompileOptions = {}): Compilation {
  return compileFile(path, opts);
}
