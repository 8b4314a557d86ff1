/**
 * Reading a `.m4` file as text, refusing what is not one: a directory, a device or pipe (`/dev/zero` would
 * be read forever), a file larger than {@link MAX_SOURCE_BYTES}, or bytes that are not UTF-8 text. Each
 * refusal is a {@link SourceFileError} whose message is one line for the CLI.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { EXIT, M4Error } from '../plan/errors.ts';

/** The largest `.m4` file read (a graph is a few kilobytes; generated ones stay far below this). */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

export type SourceFileProblem = 'ENOENT' | 'EACCES' | 'EISDIR' | 'ENOTREG' | 'EFBIG' | 'ENOTTEXT' | 'EIO';

/** Why a source file cannot be read, in one line (a usage error: exit code 2). */
export class SourceFileError extends M4Error {
  constructor(
    message: string,
    readonly code: SourceFileProblem,
  ) {
    super(message, EXIT.usage);
  }
}

/**
 * The text of `path` (`-`: standard input). Throws {@link SourceFileError} when it cannot be read or is not
 * text; never reads more than `maxBytes` + 1 bytes.
 */
export function readSourceFile(path: string, maxBytes = MAX_SOURCE_BYTES): string {
  const shown = path === '-' ? '<stdin>' : path;
  let fd: number;
  if (path === '-') fd = 0;
  else {
    // stat before open: opening a FIFO blocks until a writer comes, and a device may never end.
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      throw fromErrno(err, shown);
    }
    if (st.isDirectory()) throw new SourceFileError(`${shown} is a directory, not a .m4 file`, 'EISDIR');
    if (!st.isFile()) throw new SourceFileError(`${shown} is not a regular file`, 'ENOTREG');
    if (st.size > maxBytes) throw tooLarge(shown, maxBytes);
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw fromErrno(err, shown);
    }
  }
  try {
    if (path !== '-' && !fstatSync(fd).isFile()) throw new SourceFileError(`${shown} is not a regular file`, 'ENOTREG');
    return decodeText(readCapped(fd, shown, maxBytes), shown);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

function readCapped(fd: number, shown: string, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue; // a non-blocking stdin with no data yet
      if ((err as NodeJS.ErrnoException).code === 'EOF') break;
      throw fromErrno(err, shown);
    }
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) throw tooLarge(shown, maxBytes);
  }
  return Buffer.concat(chunks, total);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text without NUL bytes; anything else is refused as "not a text file". */
export function decodeText(bytes: Uint8Array, shown: string): string {
  if (bytes.includes(0)) throw notText(shown);
  try {
    return utf8.decode(bytes);
  } catch {
    throw notText(shown);
  }
}

function notText(shown: string): SourceFileError {
  return new SourceFileError(`${shown} is not a text file (a .m4 file is UTF-8 text)`, 'ENOTTEXT');
}

function tooLarge(shown: string, maxBytes: number): SourceFileError {
  return new SourceFileError(`${shown} is larger than ${Math.round(maxBytes / (1024 * 1024))} MB: not read`, 'EFBIG');
}

function fromErrno(err: unknown, shown: string): SourceFileError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new SourceFileError(`no such file: ${shown}`, 'ENOENT');
  if (code === 'EACCES' || code === 'EPERM') return new SourceFileError(`cannot read ${shown}: permission denied`, 'EACCES');
  if (code === 'EISDIR') return new SourceFileError(`${shown} is a directory, not a .m4 file`, 'EISDIR');
  return new SourceFileError(`cannot read ${shown}: ${code ?? (err instanceof Error ? err.message : String(err))}`, 'EIO');
}
