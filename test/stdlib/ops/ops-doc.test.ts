import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPS, opNames } from '../../../stdlib/ops/index.ts';
import { renderOpsDoc, signatureOf } from '../../../stdlib/ops/ops-doc.ts';

describe('docs/ops.md', () => {
  it('is up to date with the op specs (regenerate: npx tsx stdlib/ops/gen-docs.ts)', () => {
    const committed = readFileSync(new URL('../../../docs/ops.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderOpsDoc(opNames().map((n) => OPS.get(n)!)));
  });
  it('renders signatures with param types and defaults', () => {
    expect(signatureOf(OPS.get('standardize')!)).toBe('standardize(x, mean: number | number[] = 0, std: number | number[] = 1, axis: integer = -1)');
    expect(signatureOf(OPS.get('clip')!)).toBe('clip(x, min?: number, max?: number)');
    expect(signatureOf(OPS.get('concat')!)).toBe('concat(a, b, ...)');
    expect(signatureOf(OPS.get('add')!)).toBe('add(a, b?, by?: number)');
    expect(signatureOf(OPS.get('cast')!)).toBe('cast(x, to: "f32" | "f64" | "i32" | "i64" | "bool")');
  });
  it('has a section per op', () => {
    const doc = renderOpsDoc([...OPS.values()]);
    for (const name of OPS.keys()) expect(doc).toContain(`\n## ${name}\n`);
  });
});
