/**
 * The seeded mutation fuzz, a small count per CI run (bench/fuzz.ts runs 100,000): mutants of the examples
 * and the compiler's test cases never throw, never hit an internal error, always have a location; a
 * check-clean mutant lowers to a schema-valid plan; and the formatter is idempotent on what it accepts.
 * A failure prints the mutant: add it to test/compiler/hostile-input.test.ts once fixed.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSeeds, fuzz, mutate } from '../../tools/m4-fuzz.ts';
import { SeededRandom } from '../../tools/seeded-random.ts';
import { fixtureBaseDir } from '../support/compiler-harness.ts';

const ROOT = join(import.meta.dirname, '../..');
/** Mutants per run; M4_FUZZ_COUNT raises it, M4_FUZZ_SEED picks other mutants. */
const COUNT = Number(process.env.M4_FUZZ_COUNT ?? 400);
const SEED = Number(process.env.M4_FUZZ_SEED ?? 20261204);

describe('mutation fuzz', () => {
  const seeds = defaultSeeds(ROOT, fixtureBaseDir());

  it('has seeds from the examples and the test cases', () => {
    expect(seeds.some((s) => s.name.startsWith('examples/'))).toBe(true);
    expect(seeds.filter((s) => s.name.startsWith('test/compiler/cases/')).length).toBeGreaterThan(30);
  });

  it('mutates deterministically from its seed', () => {
    const a = mutate(seeds[0]!.text, seeds[1]!.text, new SeededRandom(7));
    expect(mutate(seeds[0]!.text, seeds[1]!.text, new SeededRandom(7))).toBe(a);
    expect(a).not.toBe(seeds[0]!.text);
  });

  it(`${COUNT} mutants: no throw, no internal error, every diagnostic located, clean ⇒ valid plan, fmt idempotent`, () => {
    const r = fuzz(seeds, { seed: SEED, count: COUNT, slowMs: 30_000 });
    const shown = r.problems.map((p) => `${p.kind} (${p.seed}): ${p.detail}\n--- mutant ---\n${p.text.slice(0, 2000)}`).join('\n\n');
    expect(r.counts, shown).toEqual({ uncaught: 0, internal: 0, location: 0, schema: 0, fmt: 0, slow: 0 });
    // The corpus exercises both sides: some mutants check clean (plans validated), many are formatted.
    expect(r.clean).toBeGreaterThan(0);
    expect(r.formatted).toBeGreaterThan(0);
  }, 600_000);
});
