/**
 * The replay pass: `replay "PATH"` names the recorded traffic `m4c run` reads when no `--data` is given.
 * At most one per file; its path is relative to the .m4 file; a missing file is a warning (the data may be
 * produced later, or always passed with --data).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { Program } from '../grammar/ast.ts';
import { NOTE } from './diagnostics/catalogue.ts';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';

export function replayPass(program: Program, baseDir: string): PassResult<string | undefined> {
  const diagnostics: Diagnostic[] = [];
  let path: string | undefined;
  for (const d of program.decls) {
    if (d.kind !== 'replay' || !d.path) continue;
    if (path !== undefined) {
      diagnostics.push(diag('M1011', d.span, {}));
      continue;
    }
    path = isAbsolute(d.path.value) ? d.path.value : resolvePath(baseDir, d.path.value);
    if (!existsSync(path)) diagnostics.push(diag('M1012', d.path.span, { path: d.path.value }, { notes: [NOTE.lookedFor(path)] }));
  }
  return { result: path, diagnostics };
}
