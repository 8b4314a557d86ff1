/**
 * Golden plans: every example compiles without errors to the committed `plans/NAME.plan.json` (absolute
 * paths of this checkout replaced by `<root>`), and every plan validates against plan/plan.schema.json.
 * Regenerate with `npm run golden:update` and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { formatSource } from '../../compiler/format.ts';
import { planSchemaErrors } from '../../plan/plan-schema.ts';
import { ROOT } from '../support/run-cli.ts';

const EXAMPLES = ['examples/fraud/ab.m4', 'examples/ensemble/graph.m4'];
const update = process.env.M4_UPDATE_GOLDEN === '1';

describe('golden plans of the examples', () => {
  for (const ex of EXAMPLES) {
    it(ex, () => {
      const c = compileFile(join(ROOT, ex));
      expect(c.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      const plan = c.plan!;
      expect(planSchemaErrors(plan)).toEqual([]);
      const text = `${JSON.stringify(plan, null, 2)}\n`.split(ROOT).join('<root>');
      const golden = join(import.meta.dirname, 'plans', `${ex.split('/')[1]}.plan.json`);
      if (update || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf8'));
      expect(relative(ROOT, plan.default_data!)).toMatch(/^examples\/.+\/data\/replay\.jsonl$/);
      // The examples are what users copy: they are in the canonical layout of `m4c fmt`.
      expect(formatSource(c.text, ex)).toMatchObject({ ok: true, changed: false });
    });
  }
});
