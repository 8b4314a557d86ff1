#!/usr/bin/env node
// Bundles the start-up-sensitive part of m4c (check, compile, graph, fmt, lsp, init) into dist/m4c-fast.mjs
// with esbuild, so those commands start in ~0.1 s instead of paying for tsx's per-module transform hooks.
// The stamp lists every source file the bundle holds (esbuild's metafile) with the newest mtime among them.
// Runs on `npm ci` (the `prepare` script). bin/m4c.js uses the bundle only while it is newer than every
// source file, so editing a source never runs stale code.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSourceMtime } from './source-mtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'dist'), { recursive: true });
const result = await build({
  metafile: true,
  entryPoints: [join(root, 'cli/fast-main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(root, 'dist/m4c-fast.mjs'),
  external: ['onnxruntime-node', 'better-sqlite3'],
  banner: { js: "import { createRequire as __m4cr } from 'node:module'; const require = __m4cr(import.meta.url);" },
  logLevel: 'warning',
});
// Exactly the files the bundle was built from: bin/m4c.js compares their mtimes with the build's.
const inputs = Object.keys(result.metafile.inputs)
  .filter((p) => !p.includes('node_modules/'))
  .concat('package.json');
writeFileSync(join(root, 'dist/stamp.json'), JSON.stringify({ newestSource: newestSourceMtime(root, inputs), inputs }));
