import pkg from '../package.json' with { type: 'json' };

/** The m4 version, from package.json (one source of truth); written into every plan. */
export const M4_VERSION: string = pkg.version;
