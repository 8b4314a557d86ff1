#!/usr/bin/env node
// The `m4c` entry point. Sources are TypeScript; esbuild bundles made by `npm ci` (scripts/build-cli.mjs) start
// without tsx's per-module transform hooks: commands that must start fast (check, compile, graph, fmt, lsp, init,
// import, --help) run from a small bundle with their dependencies, every other command (run, compare, ...) from a
// bundle of all our sources, each while it is newer than every source it holds; a stale or missing bundle (or
// M4_NO_BUNDLE set) runs the sources through tsx.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FAST = new Set(['check', 'compile', 'graph', 'fmt', 'lsp', 'init', 'import']);

async function bundledMain() {
  if (process.env.M4_NO_BUNDLE) return undefined;
  const fast = FAST.has(process.argv[2]);
  const bundle = join(root, fast ? 'dist/m4c-fast.mjs' : 'dist/run/m4c-run.mjs');
  const stamp = join(root, fast ? 'dist/stamp.json' : 'dist/stamp-run.json');
  if (!existsSync(bundle) || !existsSync(stamp)) return undefined;
  const { newestSourceMtime } = await import('../scripts/source-mtime.mjs');
  const { newestSource, inputs } = JSON.parse(readFileSync(stamp, 'utf8'));
  if (!Array.isArray(inputs) || newestSourceMtime(root, inputs) > newestSource) return undefined;
  return (await import(bundle)).main;
}

// `m4c ... | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

let main = await bundledMain();
if (!main) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv);
