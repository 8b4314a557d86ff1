/**
 * Builds the browser side of the dashboard: `dashboard/ui/main.ts` and Chart.js (from node_modules)
 * bundled by esbuild into one script, plus the stylesheet. Built in memory once per process, so the
 * served UI always matches the sources and nothing is fetched from a CDN.
 *
 * Invariant: the script never contains `</script` (checked), so it can be inlined into an HTML
 * report as it is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const UI_DIR = join(import.meta.dirname, 'ui');

export interface UiAssets {
  script: string;
  css: string;
}

let cached: Promise<UiAssets> | undefined;

async function buildAssets(): Promise<UiAssets> {
  const out = await build({
    entryPoints: [join(UI_DIR, 'main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    // Chart.js's licence header stays with the code it covers.
    legalComments: 'inline',
    charset: 'utf8',
  });
  const script = out.outputFiles[0]!.text;
  if (/<\/script/i.test(script)) throw new Error('dashboard UI bundle contains "</script": it cannot be inlined into a report');
  return { script, css: readFileSync(join(UI_DIR, 'styles.css'), 'utf8') };
}

/** The bundled UI script and stylesheet (built on first call, then cached). */
export function uiAssets(): Promise<UiAssets> {
  cached ??= buildAssets().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
