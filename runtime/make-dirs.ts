/**
 * `mkdir -p` without Node's recursive `mkdirSync`: on Node 20, `mkdirSync(p, { recursive: true })` never returns
 * when `p` is under a file system that answers ENOENT to every new entry (`/proc/nope/results`: it retries the
 * missing component forever), so `m4c run --db /proc/nope/x.db` hung with no output. Here the missing
 * directories are found first, then made one by one, and the first refusal is thrown as it is.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Make `dir` and its missing ancestors. Throws the file system's error (ENOENT, EACCES, ENOTDIR, …) unchanged. */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d);) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      // Made by another process meanwhile: fine if it is a directory.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw err;
    }
  }
}
