import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { getOp, KernelError, OPS, opNames } from '../../../stdlib/ops/index.ts';

const REQUIRED = [
  'standardize',
  'normalize',
  'softmax',
  'sigmoid',
  'argmax',
  'column',
  'slice',
  'concat',
  'cast',
  'clip',
  'threshold',
  'mean',
  'add',
  'sub',
  'mul',
  'div',
  'log',
  'exp',
  'fill_nan',
  'expand_dims',
  'squeeze',
];

describe('op registry', () => {
  it('holds every op under its own name', () => {
    for (const name of REQUIRED) expect(getOp(name)?.name).toBe(name);
    for (const [name, op] of OPS) expect(op.name).toBe(name);
    expect(getOp('softmx')).toBeUndefined();
  });
  it('lists names sorted and unique', () => {
    const names = opNames();
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(OPS.size);
  });
  it('re-exports KernelError for the runtime', () => {
    expect(new KernelError('softmax', 'x').message).toBe('softmax: x');
  });
});

describe('every op spec', () => {
  for (const op of OPS.values()) {
    describe(op.name, () => {
      it('documents itself: summary, doc with type rule and NaN, example calling it', () => {
        expect(op.summary.length).toBeGreaterThan(10);
        expect(op.summary).not.toContain('\n');
        expect(op.doc).toContain('**Type rule.**');
        expect(op.doc).toContain('**NaN.**');
        expect(op.example).toContain(`${op.name}(`);
        expect(op.arity.min).toBeGreaterThanOrEqual(1);
        expect(op.arity.max).toBeGreaterThanOrEqual(op.arity.min);
      });
      it('has a closed params schema with a description on every property', () => {
        expect(op.params.type).toBe('object');
        expect(op.params.additionalProperties).toBe(false);
        for (const [name, prop] of Object.entries(op.params.properties)) {
          expect(typeof prop.description, name).toBe('string');
          expect(prop.description.length, name).toBeGreaterThan(5);
        }
      });
      it('compiles under the default ajv strict mode (draft-07 and 2020-12) without warnings', () => {
        const warnings: unknown[] = [];
        const logger = { log: () => {}, warn: (...a: unknown[]) => warnings.push(a), error: (...a: unknown[]) => warnings.push(a) };
        // ajv's default strict mode: unknown keywords throw, type and tuple issues are logged.
        const strict = { useDefaults: true, allErrors: true, logger } as const;
        expect(() => new Ajv(strict).compile(op.params)).not.toThrow();
        expect(() => new Ajv2020(strict).compile(op.params)).not.toThrow();
        expect(warnings).toEqual([]);
      });
      it('schema defaults are valid against their own schema', () => {
        const ajv = new Ajv({ useDefaults: true, allErrors: true });
        const validate = ajv.compile(op.params);
        const required = op.params.required ?? [];
        const params: Record<string, unknown> = {};
        // Fill required params with a value the schema accepts so defaults can be checked alone.
        for (const r of required) {
          const p = op.params.properties[r];
          params[r] = Array.isArray(p.enum) ? p.enum[0] : p.type === 'string' ? 'x' : typeof p.minimum === 'number' ? p.minimum : 0;
        }
        if (Array.isArray(op.params.anyOf)) params[Object.keys(op.params.properties)[0]] = 0;
        expect(validate(params), JSON.stringify(validate.errors)).toBe(true);
      });
    });
  }
});
