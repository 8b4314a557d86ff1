/**
 * The CLI's bundle checks op params with the validators scripts/params-validators-code.mjs generates ahead of
 * time (ajv standalone code) instead of compiling each op's schema when first called: for every op they must
 * give the verdicts, errors and filled-in defaults of the validators the sources compile.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARAMS_AJV_OPTIONS, PRECOMPILED_PARAMS } from '../../compiler/params-validators.ts';
import { OPS } from '../../stdlib/ops/index.ts';
import { PARAMS_AJV_OPTIONS as SCRIPT_OPTIONS, paramsValidatorsCode } from '../../scripts/params-validators-code.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let precompiled: Readonly<Record<string, ValidateFunction>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm4-params-validators-'));
  const file = join(dir, 'params-validators.mjs');
  writeFileSync(file, await paramsValidatorsCode(ROOT));
  precompiled = ((await import(pathToFileURL(file).href)) as { PRECOMPILED_PARAMS: Record<string, ValidateFunction> }).PRECOMPILED_PARAMS;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Values of every JSON kind, and the edges the schemas draw (signs, zero, integers, short and long lists). */
const VALUES: unknown[] = [0, 1, -1, 0.5, 3, 1e9, '', 'x', 'nchw', true, false, null, [], [1], [1, 2], [0.5, -2, 3], ['a'], {}];

describe('the precompiled op params validators', () => {
  it('are generated with the options the sources compile the schemas with, for every op', () => {
    expect(SCRIPT_OPTIONS).toEqual(PARAMS_AJV_OPTIONS);
    expect(Object.keys(precompiled).sort()).toEqual([...OPS.keys()].sort());
    // The sources have none: the params pass compiles each schema itself.
    expect(PRECOMPILED_PARAMS).toEqual({});
  });

  it('give the verdicts, errors and defaults of the compiled ones', () => {
    const ajv = new Ajv(PARAMS_AJV_OPTIONS);
    let cases = 0;
    for (const op of OPS.values()) {
      const compiled = ajv.compile(op.params);
      const names = Object.keys(op.params.properties);
      const inputs: Record<string, unknown>[] = [{}, { nope: 1 }];
      for (const name of names) for (const v of VALUES) inputs.push({ [name]: v });
      for (const v of VALUES) inputs.push(Object.fromEntries(names.map((n) => [n, v])));
      for (const input of inputs) {
        const a = structuredClone(input);
        const b = structuredClone(input);
        const okA = compiled(a);
        const okB = precompiled[op.name]!(b);
        expect([okB, precompiled[op.name]!.errors ?? null, b]).toEqual([okA, compiled.errors ?? null, a]);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(OPS.size * 20);
  });
});
