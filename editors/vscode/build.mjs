#!/usr/bin/env node
// Bundles the extension (src/extension.js + vscode-languageclient) into one file, dist/extension.js, so the
// packaged .vsix holds a handful of files instead of the client's ~300 loose modules. `vscode` is provided
// by the editor at run time. Runs before `vsce package` (the vscode:prepublish script).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [join(here, 'src/extension.js')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
  outfile: join(here, 'dist/extension.js'),
  minify: true,
  logLevel: 'warning',
});
