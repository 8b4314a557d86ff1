import { createRequire } from 'node:module';

/** The m4 version, from package.json (one source of truth); written into every plan. */
export const M4_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
