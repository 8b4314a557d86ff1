/**
 * Run the real `m4c` binary as a user would (a child process), capturing output and exit code.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
export const M4C = join(ROOT, 'bin/m4c.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runM4c(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string; timeout?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [M4C, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeout ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace in user-facing output is a bug. */
export function hasStackTrace(s: string): boolean {
  return /\n\s+at .+\(.+:\d+:\d+\)/.test(s) || /\n\s+at (file|node):/.test(s);
}
