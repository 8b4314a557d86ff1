/**
 * The source tree at a git ref, for benchmarks that print the previous code's figures next to the
 * current ones in the same run (same machine, same load). `git archive` exports the folders into
 * `.bench-ref/<sha>/` inside the worktree (so bare imports still resolve to its node_modules), once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '../..');

/** Import `modulePath` (relative to the repository root) as it was at `ref` (package.json too: plan/version.ts reads it). */
export async function importAtRef<T>(ref: string, modulePath: string, folders: string[] = ['stdlib', 'plan', 'package.json']): Promise<T> {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = join(ROOT, '.bench-ref', sha);
  if (!existsSync(join(dir, '.done'))) {
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', '--format=tar', sha, ...folders], { cwd: ROOT, maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    writeFileSync(join(dir, '.done'), sha);
  }
  return (await import(pathToFileURL(join(dir, modulePath)).href)) as T;
}
