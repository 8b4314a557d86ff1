/**
 * Validators of the ops' params schemas compiled ahead of time, by op name. Running the sources there are
 * none: the params pass compiles an op's schema with ajv when the op is first called (the first compiles
 * take ~35 ms of a start). The CLI's bundle replaces this module with validators generated at build time
 * from the same schemas with the same options (scripts/params-validators-code.mjs, ajv standalone code).
 */
import type { ValidateFunction } from 'ajv';

/** ajv's options for op params: every error, schema defaults filled in. */
export const PARAMS_AJV_OPTIONS = { allErrors: true, useDefaults: true, strict: false } as const;

/** Precompiled validators by op name (none in the sources). */
export const PRECOMPILED_PARAMS: Readonly<Record<string, ValidateFunction>> = {};
