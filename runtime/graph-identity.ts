/**
 * The stable identity of a graph file, which (with the comparison name) keys a comparison's series of
 * runs in the dashboard's trends and runs list.
 *
 * The path as typed is not stable: `m4c run /abs/ab.m4` and `cd /abs; m4c run ab.m4` name one file
 * twice, and two projects' `ab.m4` are different graphs with one name. So:
 *
 * - inside a Git work tree whose repository has an `origin` remote: the remote's URL (credentials stripped),
 *   `//`, and the path relative to the work tree's root (`/` separators) — so clones of one repository (a
 *   laptop and CI) share a series;
 * - otherwise (outside Git, or a repository without `origin`): the file's absolute real path, normalized;
 * - a source that is not a file on disk (`m4c compare`, a plan read back from elsewhere): the text as given.
 *
 * Symbolic links are resolved first, so two links to one file are one graph.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The identity of the graph file `file` (resolved against `cwd`); see the module comment. */
export function graphIdentity(file: string, cwd: string = process.cwd()): string {
  let real: string;
  try {
    real = realpathSync(resolve(cwd, file));
    if (!statSync(real).isFile()) return file;
  } catch {
    return file;
  }
  const root = gitRoot(dirname(real));
  if (root === null) return real;
  const origin = originUrl(root);
  // Without a remote the key is the file's real path, one slash between directories (as outside Git). After a
  // remote's URL, `//` marks where the repository ends and the path in it begins (`https://host/team/repo//a/b.m4`).
  if (origin === null) return real;
  const rel = relative(root, real).split(sep).join('/');
  return `${origin}//${rel}`;
}

/** The nearest ancestor directory (inclusive) holding `.git` (a directory, or a file for worktrees and submodules). */
function gitRoot(dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return null;
  }
}

/** The Git directory whose `config` holds the remotes: `.git`, or the common directory of a worktree's `gitdir:`. */
function gitConfigDir(root: string): string | null {
  const dotGit = join(root, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    if (m === null) return null;
    const gitDir = isAbsolute(m[1]!.trim()) ? m[1]!.trim() : resolve(root, m[1]!.trim());
    const common = join(gitDir, 'commondir');
    return existsSync(common) ? resolve(gitDir, readFileSync(common, 'utf8').trim()) : gitDir;
  } catch {
    return null;
  }
}

/** The `origin` remote's URL without credentials or a trailing `.git`, or null. */
function originUrl(root: string): string | null {
  const dir = gitConfigDir(root);
  if (dir === null) return null;
  let config: string;
  try {
    config = readFileSync(join(dir, 'config'), 'utf8');
  } catch {
    return null;
  }
  const section = /\[remote\s+"origin"\]([^[]*)/.exec(config);
  const url = section === null ? null : /^\s*url\s*=\s*(.+?)\s*$/m.exec(section[1]!)?.[1];
  if (url === undefined || url === null || url === '') return null;
  // A token in `https://user:token@host/...` must never reach a results database.
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
}
