/**
 * Run `m4c` commands in this process (faster than a child process), capturing what they print.
 */
import { runCli } from '../../cli/program.ts';

type Commands = Parameters<typeof runCli>[1];

/** `m4c ARGS...` with the given command modules registered: exit code, stdout, stderr. */
export async function runCliCaptured(args: string[], commands: Commands): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '',
    stderr = '';
  const ow = process.stdout.write,
    ew = process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await runCli(['node', 'm4c', ...args], commands);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}
