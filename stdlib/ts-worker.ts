/**
 * Worker threads running TypeScript sources. The sources run through tsx, and Node 20 does not pass
 * the main thread's loader hooks to worker threads: a tiny bootstrap registers tsx inside the worker
 * before importing the entry file. Used by the model workers (runtime) and the bootstrap's resample
 * workers (stdlib/metrics).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * True when this code runs from the CLI's esbuild bundle (scripts/build-cli.mjs writes dist/full/*.mjs):
 * its worker entries are bundled next to it.
 */
const BUNDLED = import.meta.url.endsWith('.mjs');

/**
 * Source of an `eval: true` worker that loads `entry` (a .ts file URL) through tsx — or, when running
 * from the bundle, the bundled entry of the same name, without tsx. `onError`, when given, is the body
 * of a handler `(e) => { ... }` run if loading or running the entry throws.
 */
export function tsWorkerCode(entry: URL, onError?: string): string {
  const name = entry.pathname.slice(entry.pathname.lastIndexOf('/') + 1).replace(/\.ts$/, '.mjs');
  const load = BUNDLED
    ? `import(${JSON.stringify(new URL(`./${name}`, import.meta.url).href)})`
    : `import(${JSON.stringify(tsxEsmApi())}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return onError === undefined ? load : `${load}.catch((e) => { ${onError} })`;
}

/**
 * URL of tsx's ESM API, resolved from this file with the `import` condition of tsx's exports map
 * (its CommonJS twin registers hooks from the wrong directory).
 */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, unknown> };
  const entry = pkg.exports['./esm/api'] as { import: string | { default: string } };
  const rel = typeof entry.import === 'string' ? entry.import : entry.import.default;
  return pathToFileURL(join(dirname(pkgPath), rel)).href;
}
