/**
 * The checked-in WebAssembly modules (`*.wasm.ts`) are the assembly of their `.wat` sources as they
 * stand: an edit to a kernel's text without `node scripts/build-wasm.mjs` fails here; the bootstrap
 * kernel's text is generated (`node scripts/gen-bootstrap-walk.mjs`), and must be current too, with
 * the weights' thresholds of poisson-weights.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { outputPath, wasmModuleSource } from '../../../scripts/build-wasm.mjs';
// @ts-expect-error: a plain .mjs script without type declarations
import { BLOCKS, bootstrapWalkWat, THRESHOLDS16 } from '../../../scripts/gen-bootstrap-walk.mjs';
import { VISIT } from '../../../stdlib/metrics/resample-simd.ts';
import { POISSON1_THRESHOLDS16 } from '../../../stdlib/metrics/poisson-weights.ts';

const root = join(import.meta.dirname, '../../..');

describe('WebAssembly kernels', () => {
  it.each(['stdlib/metrics/wasm/bootstrap-walk.wat'])('%s is assembled into its module', async (wat) => {
    const path = join(root, wat);
    expect(readFileSync(outputPath(path) as string, 'utf8')).toBe(await wasmModuleSource(path));
  });

  it("bootstrap-walk.wat is its generator's text, for the blocks per visit resample-simd.ts drives", () => {
    expect(readFileSync(join(root, 'stdlib/metrics/wasm/bootstrap-walk.wat'), 'utf8')).toBe(bootstrapWalkWat());
    expect(VISIT).toBe(BLOCKS);
  });

  it("bootstrap-walk.wat draws the weights with poisson-weights.ts's thresholds", () => {
    expect(THRESHOLDS16).toEqual(POISSON1_THRESHOLDS16);
  });
});
