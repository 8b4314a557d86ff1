/**
 * docs/diagnostics.md is generated from the catalogue (`npx tsx compiler/diagnostics/gen-docs.ts`): the
 * committed file must be what the generator writes today, so every code is documented.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CODES } from '../../compiler/diagnostics/catalogue.ts';
import { diagnosticsDoc } from '../../compiler/diagnostics/gen-docs.ts';

const committed = readFileSync(join(import.meta.dirname, '../../docs/diagnostics.md'), 'utf8');

describe('docs/diagnostics.md', () => {
  it('is current (regenerate with `npx tsx compiler/diagnostics/gen-docs.ts`)', () => {
    expect(committed).toBe(diagnosticsDoc());
  });

  it('lists every code', () => {
    for (const code of ALL_CODES) expect(committed).toContain(`| ${code} |`);
  });
});
