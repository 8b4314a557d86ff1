/**
 * read_file: the bytes of files under a root, byte for byte, and every path it must not or cannot read
 * (outside the root by `..`, absolute or a link; missing; a directory or pipe; unreadable; too large)
 * rejected as a row by reason, never thrown.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KernelContext, RowFailureReason } from '../../../stdlib/ops/op-spec.ts';
import { DEFAULT_MAX_FILE_BYTES, readFile, type ReadFileParams } from '../../../stdlib/ops/read-file.ts';
import { checkParams, fakeCtx } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-read-file-'));
const root = join(tmp, 'root');
mkdirSync(join(root, 'sub'), { recursive: true });
writeFileSync(join(tmp, 'secret.txt'), 'outside');
const a = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
writeFileSync(join(root, 'a.bin'), a);
writeFileSync(join(root, 'sub', 'b.bin'), 'bee');
writeFileSync(join(root, 'empty.bin'), '');
writeFileSync(join(root, 'big.bin'), Buffer.alloc(2000, 1));
symlinkSync(join(tmp, 'secret.txt'), join(root, 'leak'));
symlinkSync(join(root, 'sub', 'b.bin'), join(root, 'inner-link'));
execFileSync('mkfifo', [join(root, 'fifo')]);
writeFileSync(join(root, 'locked.bin'), 'x');
chmodSync(join(root, 'locked.bin'), 0o000);
const isRoot = process.getuid?.() === 0; // root reads a mode-000 file

type Rejection = { row: number; reason: RowFailureReason; detail: string };

async function run(paths: string[], extra: Partial<ReadFileParams> = {}): Promise<{ out: Uint8Array[]; rejected: Rejection[] }> {
  const rejected: Rejection[] = [];
  const ctx: KernelContext = { rejectRow: (row, reason, detail) => rejected.push({ row, reason, detail }) };
  const params = checkParams(readFile, { root, ...extra }).params as ReadFileParams;
  const t = await readFile.kernelAsync!([{ dtype: 'str', data: paths, dims: [paths.length] }], params, ctx);
  expect(t.dtype).toBe('bytes');
  expect(t.dims).toEqual([paths.length]);
  return { out: t.data as Uint8Array[], rejected: rejected.sort((x, y) => x.row - y.row) };
}

describe('read_file', () => {
  it('types str[rows] as bytes[rows]; other dtypes and a missing root are type errors', () => {
    const p = checkParams(readFile, { root }).params as ReadFileParams;
    expect(p.max_bytes).toBe(DEFAULT_MAX_FILE_BYTES);
    expect(readFile.infer([{ dtype: 'str', dims: ['batch'] }], p, fakeCtx())).toEqual({ dtype: 'bytes', dims: ['batch'] });
    expect(readFile.infer([{ dtype: 'bytes', dims: ['batch'] }], p, fakeCtx())).toMatchObject({
      error: expect.stringContaining('str[rows]'),
      arg: 0,
    });
    expect(readFile.infer([{ dtype: 'str', dims: ['batch', 2] }], p, fakeCtx())).toMatchObject({ arg: 0 });
    expect(readFile.infer([{ dtype: 'str', dims: ['batch'] }], { ...p, root: join(tmp, 'nope') }, fakeCtx())).toMatchObject({
      param: 'root',
      file: true,
    });
    expect(readFile.infer([{ dtype: 'str', dims: ['batch'] }], { ...p, root: join(root, 'a.bin') }, fakeCtx())).toMatchObject({
      error: expect.stringContaining('not a directory'),
      param: 'root',
    });
    expect(checkParams(readFile, {}).ok).toBe(false); // root is required
    expect(checkParams(readFile, { root, max_bytes: 0 }).ok).toBe(false);
  });

  it("gives each file's bytes exactly, links inside the root included", async () => {
    const { out, rejected } = await run(['a.bin', 'sub/b.bin', './sub/b.bin', 'empty.bin', 'inner-link', 'a.bin']);
    expect(rejected).toEqual([]);
    expect(Buffer.from(out[0]).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(out[1]).toString()).toBe('bee');
    expect(Buffer.from(out[2]).toString()).toBe('bee');
    expect(out[3].length).toBe(0); // an empty file is read; decode_image calls it image-empty
    expect(Buffer.from(out[4]).toString()).toBe('bee');
    expect(Buffer.from(out[5]).equals(Buffer.from(a))).toBe(true);
  });

  it('refuses every path that leaves the root, before reading anything', async () => {
    const paths = [
      '../secret.txt',
      'sub/../../secret.txt',
      'sub/../a.bin',
      join(tmp, 'secret.txt'),
      '/etc/passwd',
      '..\\secret.txt',
      'C:\\x',
      'leak',
      'a.bin\0',
    ];
    const { out, rejected } = await run(paths);
    expect(rejected.map((r) => r.row)).toEqual(paths.map((_, i) => i));
    expect(new Set(rejected.map((r) => r.reason))).toEqual(new Set(['path-outside-root']));
    expect(rejected[7].detail).toContain('link');
    for (const b of out) expect(b.length).toBe(0);
  });

  it('rejects missing, non-regular, unreadable and too-large files by reason', async () => {
    const { out, rejected } = await run(['nope.png', '', 'a.bin/x', 'sub', 'fifo', 'locked.bin', 'big.bin', 'a.bin'], { max_bytes: 1000 });
    const expected: [number, RowFailureReason][] = [
      [0, 'file-missing'],
      [1, 'file-missing'],
      [2, 'file-missing'],
      [3, 'file-not-regular'],
      [4, 'file-not-regular'],
      ...(isRoot ? [] : [[5, 'file-unreadable'] as [number, RowFailureReason]]),
      [6, 'file-too-large'],
    ];
    expect(rejected.map((r) => [r.row, r.reason])).toEqual(expected);
    expect(rejected.find((r) => r.row === 6)!.detail).toContain('2000');
    expect(out[7].length).toBe(300); // 300 <= max_bytes: read
  });

  it('reads a batch larger than its concurrency in order', async () => {
    for (let i = 0; i < 40; i++) writeFileSync(join(root, 'sub', `f${i}`), `file ${i}`);
    const paths = Array.from({ length: 40 }, (_, i) => `sub/f${39 - i}`);
    const { out, rejected } = await run(paths);
    expect(rejected).toEqual([]);
    expect(out.map((b) => Buffer.from(b).toString())).toEqual(paths.map((_, i) => `file ${39 - i}`));
  });
});
