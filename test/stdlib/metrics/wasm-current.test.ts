/**
 * The checked-in WebAssembly modules (`*.wasm.ts`) are the assembly of their `.wat` sources as they
 * stand: an edit to a kernel's text without `node scripts/build-wasm.mjs` fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { outputPath, wasmModuleSource } from '../../../scripts/build-wasm.mjs';

const root = join(import.meta.dirname, '../../..');

describe('WebAssembly kernels', () => {
  it.each(['stdlib/metrics/wasm/bootstrap-walk.wat'])('%s is assembled into its module', async (wat) => {
    const path = join(root, wat);
    expect(readFileSync(outputPath(path) as string, 'utf8')).toBe(await wasmModuleSource(path));
  });
});
