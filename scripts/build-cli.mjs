#!/usr/bin/env node
// Bundles m4c with esbuild, so commands start without paying for tsx's per-module transform hooks:
// - dist/m4c-fast.mjs: the start-up-sensitive commands (check, compile, graph, fmt, lsp, init, import),
//   dependencies included (~0.1 s to start);
// - dist/full/: every other command but the dashboard's, and the worker threads' entries (model runs,
//   bootstrap resamples), our sources and pure-JavaScript packages (FULL_EXTERNAL load from node_modules),
//   split into shared chunks;
//   a worker started from the bundle loads its bundled entry (stdlib/ts-worker.ts).
// The stamp lists every source file the bundle holds (esbuild's metafile) with the newest mtime among them.
// Runs on `npm ci` (the `prepare` script). bin/m4c.js uses the bundle only while it is newer than every
// source file, so editing a source never runs stale code.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSourceMtime } from './source-mtime.mjs';
import { planValidatorCode } from './plan-validator-code.mjs';
import { paramsValidatorsCode } from './params-validators-code.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Bundled CommonJS code calls `require` (for Node's built-ins): give each output file one.
const banner = { js: "import { createRequire as __m4cr } from 'node:module'; const require = __m4cr(import.meta.url);" };
mkdirSync(join(root, 'dist/gen'), { recursive: true });
// JSON Schemas compiled ahead of time (ajv standalone code), in place of the modules that compile them at run
// time: the plan schema (plan/plan-validator.ts: ~0.1 s of every start that reads a plan) and the ops' params
// (compiler/params-validators.ts: ~35 ms of every compile).
const PLAN_VALIDATOR = join(root, 'dist/gen/plan-validator.mjs');
const PARAMS_VALIDATORS = join(root, 'dist/gen/params-validators.mjs');
writeFileSync(PLAN_VALIDATOR, planValidatorCode(root));
writeFileSync(PARAMS_VALIDATORS, await paramsValidatorsCode(root));
/** @type {import('esbuild').Plugin} */
const precompiled = {
  name: 'm4-precompiled',
  setup(b) {
    b.onResolve({ filter: /[/\\]plan-validator\.ts$/ }, () => ({ path: PLAN_VALIDATOR }));
    b.onResolve({ filter: /[/\\]params-validators\.ts$/ }, () => ({ path: PARAMS_VALIDATORS }));
  },
};
const result = await build({
  metafile: true,
  entryPoints: [join(root, 'cli/fast-main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(root, 'dist/m4c-fast.mjs'),
  external: ['onnxruntime-node', 'better-sqlite3'],
  plugins: [precompiled],
  // grammar/tokens.ts: the bundle skips chevrotain's grammar validations, which the sources' tests run.
  define: { __M4_BUNDLED__: 'true' },
  banner,
  logLevel: 'warning',
});
rmSync(join(root, 'dist/full'), { recursive: true, force: true });
const FULL_EXTERNAL = [
  'onnxruntime-node',
  'better-sqlite3',
  'sharp',
  'pg',
  'pg-native',
  'bullmq',
  'ioredis',
  'fastify',
  '@fastify/*',
  'playwright-core',
  '@huggingface/tokenizers',
  '@inquirer/prompts',
  'tsx',
  'esbuild',
];
const full = await build({
  metafile: true,
  entryPoints: {
    'm4c-main': join(root, 'cli/main.ts'),
    'model-worker': join(root, 'runtime/model-worker.ts'),
    'resample-worker': join(root, 'stdlib/metrics/resample-worker.ts'),
    'rank-worker': join(root, 'stdlib/metrics/rank-worker.ts'),
    'parquet-decode-worker': join(root, 'runtime/sources/parquet-decode-worker.ts'),
    'comparisons-worker': join(root, 'runtime/serve/comparisons-worker.ts'),
    'comparison-feed-worker': join(root, 'runtime/comparison-feed-worker.ts'),
    'shadow-worker': join(root, 'runtime/serve/shadow-worker.ts'),
    'sink-worker': join(root, 'runtime/serve/sink-worker.ts'),
  },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: join(root, 'dist/full'),
  outExtension: { '.js': '.mjs' },
  // Pure-JavaScript packages are bundled too (loading them one module at a time from node_modules,
  // CommonJS ones through Node's export scanner, was about half of `m4c run`'s start-up); native
  // modules, packages that read files next to their code and the server and queue stacks stay external.
  external: FULL_EXTERNAL,
  plugins: [precompiled],
  // grammar/tokens.ts: the bundle skips chevrotain's grammar validations, which the sources' tests run.
  define: { __M4_BUNDLED__: 'true' },
  banner,
  logLevel: 'warning',
});
// Exactly the files the bundles were built from: bin/m4c.js compares their mtimes with the build's.
const inputs = [...new Set([...Object.keys(result.metafile.inputs), ...Object.keys(full.metafile.inputs)])]
  .filter((p) => !p.includes('node_modules/') && !p.startsWith('dist/'))
  .concat(
    'package.json',
    'plan/plan.schema.json',
    'plan/plan-validator.ts',
    'compiler/params-validators.ts',
    'scripts/ajv-standalone.mjs',
    'scripts/plan-validator-code.mjs',
    'scripts/params-validators-code.mjs',
  );
writeFileSync(join(root, 'dist/stamp.json'), JSON.stringify({ newestSource: newestSourceMtime(root, inputs), inputs }));
