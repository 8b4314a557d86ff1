#!/usr/bin/env node
// The `m4c` entry point. Sources are TypeScript; `npm ci` bundles them with esbuild (scripts/build-cli.mjs) and
// the bundles run while they are newer than every source: the editor/CI commands (check, compile, graph, fmt,
// lsp, init, import) from dist/m4c-fast.mjs, the others from dist/full/ (their worker threads too). The dashboard
// and report commands (which bundle the browser UI from its sources at run time), `m4c --help`, and any command when
// the bundles are stale or missing, run the sources through tsx.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// onnxruntime-node 1.30's Linux/macOS build starts Microsoft's 1DS telemetry in every process that opens a session
// (a `mat-debug-PID.log` per process in $TMPDIR or /tmp, a device id, uploads): m4 runs over a team's recorded and live traffic, so
// it is off unless the user set ORT_DISABLE_TELEMETRY themselves (docs/cli.md, "onnxruntime's telemetry"). It must be
// set before the native module loads; worker threads and child processes share or inherit it.
process.env.ORT_DISABLE_TELEMETRY ??= '1';
const FAST = new Set(['check', 'compile', 'graph', 'fmt', 'lsp', 'init', 'import']);
const FULL = new Set(['run', 'compare', 'merge', 'serve', 'worker', 'db', 'k8s']);

async function fastMain() {
  const command = process.argv[2];
  if (process.env.M4_NO_BUNDLE) return undefined;
  const bundle = FAST.has(command) ? join(root, 'dist/m4c-fast.mjs') : FULL.has(command) ? join(root, 'dist/full/m4c-main.mjs') : null;
  const stamp = join(root, 'dist/stamp.json');
  if (bundle === null || !existsSync(bundle) || !existsSync(stamp)) return undefined;
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

let main = await fastMain();
if (!main) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv);
