import { constants, statSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, sep, win32 } from 'node:path';
import type { Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, KernelContext, OpSpec, RowFailureReason } from './op-spec.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ReadFileParams = { root: string; max_bytes: number };

const NAME = 'read_file';

/** Default `max_bytes`: 50 MB, far above any photo a model reads, far below what hurts a server. */
export const DEFAULT_MAX_FILE_BYTES = 50_000_000;

/** Files read at once per batch: enough to keep libuv's pool busy without holding hundreds of descriptors. */
const CONCURRENCY = 16;

type Outcome = Uint8Array | { reason: RowFailureReason; detail: string };

/**
 * Why `path` may not be read under any root, or `null`: the check is lexical (an absolute path, a `..`
 * segment, a NUL byte), before the file system is asked anything, so a refused path learns nothing of
 * what exists outside the root. Backslashes count as separators too: a path written on Windows must
 * not escape through them.
 */
function refusedPath(path: string): string | null {
  if (path.includes('\0')) return 'the path holds a NUL character';
  if (isAbsolute(path) || win32.isAbsolute(path)) return `"${path}" is absolute; paths are relative to the root`;
  if (path.split(/[\\/]/).includes('..')) return `"${path}" goes up with ..; paths stay inside the root`;
  return null;
}

/** The bytes of one file, or why the row is rejected. Never throws. */
async function readOne(root: string, path: string, maxBytes: number): Promise<Outcome> {
  if (path === '') return { reason: 'file-missing', detail: 'the path is empty' };
  const refused = refusedPath(path);
  if (refused) return { reason: 'path-outside-root', detail: refused };
  let real: string;
  try {
    real = await realpath(join(root, path));
  } catch (err) {
    return fsFailure(err, path);
  }
  // A symbolic link inside the root may point outside it: the file's real place decides.
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep))
    return { reason: 'path-outside-root', detail: `"${path}" is a link to a file outside the root` };
  try {
    // stat before open: opening a FIFO would wait for a writer.
    const st = await stat(real);
    if (!st.isFile()) return { reason: 'file-not-regular', detail: `"${path}" is ${kindOf(st)}, not a regular file` };
    if (st.size > maxBytes) return tooLarge(path, st.size, maxBytes);
    const fh = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const fst = await fh.stat(); // the file read, which may have been replaced since the stat
      if (!fst.isFile()) return { reason: 'file-not-regular', detail: `"${path}" is ${kindOf(fst)}, not a regular file` };
      if (fst.size > maxBytes) return tooLarge(path, fst.size, maxBytes);
      // One byte more than allowed, so a file that grew after the stat is still caught.
      const buf = new Uint8Array(Math.min(fst.size, maxBytes) + 1);
      let n = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
        if (bytesRead === 0) break;
        n += bytesRead;
        if (n === buf.length) break;
      }
      if (n > maxBytes) return tooLarge(path, n, maxBytes);
      return buf.subarray(0, n);
    } finally {
      await fh.close();
    }
  } catch (err) {
    return fsFailure(err, path);
  }
}

function tooLarge(path: string, size: number, maxBytes: number): Outcome {
  return { reason: 'file-too-large', detail: `"${path}" has more than ${maxBytes} bytes (max_bytes)${size > maxBytes ? `: ${size}` : ''}` };
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}

function fsFailure(err: unknown, path: string): Outcome {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { reason: 'file-missing', detail: `no file "${path}"` };
  if (code === 'ELOOP') return { reason: 'file-unreadable', detail: `"${path}": too many symbolic links` };
  return { reason: 'file-unreadable', detail: `"${path}": ${code ?? (err instanceof Error ? err.message : String(err))}` };
}

/** Why `root` cannot serve as the directory files are read from, or `null`. */
function rootProblem(root: string): string | null {
  try {
    if (!statSync(root).isDirectory()) return `${root} is not a directory`;
    return null;
  } catch {
    return `no directory ${root}`;
  }
}

/**
 * Paths → file contents, read under one root directory, for images kept as files next to the replay
 * (a path column) rather than inline as base64.
 */
export const readFile: OpSpec<ReadFileParams> = {
  name: NAME,
  summary: 'The bytes of the file each path names, under a root directory (for decode_image).',
  doc: [
    'Reads, for each row, the file its path names, relative to `root` (itself relative to the `.m4`',
    'file), and gives its bytes: `read_file(photo_path, root: "images")` feeds `decode_image` as a',
    "base64 `bytes` column would. Files are read asynchronously (libuv's thread pool, 16 at a time),",
    'so the event loop and the models are not held up.',
    '',
    '**Only under the root.** `m4c serve` takes paths from requests, so a path may not leave `root`: an',
    'absolute path, a `..` segment or a NUL byte is refused before the file system is asked, and a',
    'symbolic link that leads outside the root is refused too (`path-outside-root`).',
    '',
    '**Bad rows, never a crash.** A path that names no file, or is empty (`file-missing`), a directory,',
    'pipe or device (`file-not-regular`), a file that cannot be read (`file-unreadable`: permissions,',
    'I/O errors) and a file larger than `max_bytes` (`file-too-large`, default 50,000,000 bytes, checked',
    'before reading) are rejected rows, counted by reason (`m4c run` summary; `--on-bad-row fail`',
    'stops at the first); `m4c serve` answers 400.',
    '',
    '**Type rule.** `x` is `str[rows]` (one path per row); the result is `bytes[rows]`. The compiler checks that `root`',
    'is a directory.',
    '',
    '**NaN.** Not applicable: paths in, bytes out.',
  ].join('\n'),
  example: 'node photo_bytes = read_file(photo_path, root: "images")',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      root: {
        description: 'Directory the paths are relative to (itself relative to the .m4 file); nothing outside it is read.',
        type: 'string',
        minLength: 1,
      },
      max_bytes: {
        description: 'Refuse files larger than this many bytes.',
        type: 'integer',
        minimum: 1,
        maximum: 2_000_000_000,
        default: DEFAULT_MAX_FILE_BYTES,
      },
    },
    required: ['root'],
    additionalProperties: false,
  },
  fileParams: ['root'],
  rejectsRows: true,

  infer(args: TensorType[], params: ReadFileParams, _ctx: InferContext): InferResult {
    const x = args[0];
    if (x.dtype !== 'str' || x.dims.length !== 1) {
      return { error: `read_file needs one path per row, str[rows], got ${formatType(x)}`, arg: 0 };
    }
    const problem = rootProblem(params.root);
    if (problem) return { error: problem, param: 'root', file: true };
    return { dtype: 'bytes', dims: [x.dims[0]] };
  },

  kernel(): Tensor {
    throw new KernelError(NAME, 'reads files asynchronously (kernelAsync)');
  },

  async kernelAsync(args: Tensor[], params: ReadFileParams, ctx: KernelContext): Promise<Tensor> {
    const x = args[0];
    if (x.dtype !== 'str' || x.dims.length !== 1) throw new KernelError(NAME, `needs str[rows], got ${x.dtype}[${x.dims.join(', ')}]`);
    const paths = x.data as string[];
    let root: string;
    try {
      root = await realpath(params.root);
    } catch {
      throw new KernelError(NAME, `no directory ${params.root} (root)`);
    }
    const out = new Array<Uint8Array>(paths.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const r = next++;
        const got = await readOne(root, paths[r], params.max_bytes);
        if (got instanceof Uint8Array) out[r] = got;
        else {
          out[r] = new Uint8Array(0);
          ctx.rejectRow(r, got.reason, got.detail);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, paths.length) }, worker));
    return { dtype: 'bytes', data: out, dims: [paths.length] };
  },
};
