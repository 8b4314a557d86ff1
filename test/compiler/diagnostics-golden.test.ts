/**
 * Golden diagnostics: each `cases/NAME.m4` is compiled and its rendered diagnostics compared with
 * `cases/NAME.errors.txt`. The first line of a case, `// expect: CODE`, names the code it is about.
 *
 * Regenerate after an intended change with `npm run golden:update`, then review the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { fixtureBaseDir, renderForGolden } from '../support/compiler-harness.ts';

const dir = join(import.meta.dirname, 'cases');
const update = process.env.M4_UPDATE_GOLDEN === '1';
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.m4'))
  .sort();

describe('golden diagnostics', () => {
  it('has at least 30 distinct error cases', () => {
    const codes = new Set(cases.map((c) => /expect: (M\d{4})/.exec(readFileSync(join(dir, c), 'utf8'))?.[1]));
    expect(codes.size).toBeGreaterThanOrEqual(30);
  });

  for (const name of cases) {
    it(name, () => {
      const text = readFileSync(join(dir, name), 'utf8');
      const expectCode = /expect: (M\d{4})/.exec(text)?.[1];
      const file = `cases/${name}`;
      const c = compileSource(text, file, { baseDir: fixtureBaseDir() });
      expect(c.diagnostics.map((d) => d.code)).toContain(expectCode);
      const rendered = renderForGolden(c.diagnostics, file, text);
      const goldenPath = join(dir, name.replace(/\.m4$/, '.errors.txt'));
      if (update || !existsSync(goldenPath)) {
        writeFileSync(goldenPath, rendered);
        if (!update) throw new Error(`wrote missing golden file ${goldenPath}; review it and re-run`);
      }
      expect(rendered).toBe(readFileSync(goldenPath, 'utf8'));
    });
  }
});
