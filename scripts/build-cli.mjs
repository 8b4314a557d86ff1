#!/usr/bin/env node
// Bundles m4c with esbuild so commands do not pay for tsx's per-module transform hooks at start-up:
// - dist/m4c-fast.mjs: the start-up-sensitive commands (check, compile, graph, fmt, lsp, init, import), their
//   dependencies included (~0.1 s to start);
// - dist/run/m4c-run.mjs (+ chunks): every command (run, compare, merge, serve, ...), with the pure-JavaScript dependencies;
//   native modules, packages that read files next to their code (bullmq's Lua scripts, ...) and the servers'
//   stacks stay in node_modules (RUN_EXTERNAL). Worker threads (model and resample workers)
//   still load their entry .ts through tsx, by the source file's own URL: in our sources `import.meta.url` and
//   `import.meta.dirname` are replaced by the source file's, so paths relative to a source resolve as under tsx.
// Each bundle has a stamp listing every source file it holds (esbuild's metafile) with the newest mtime among
// them. Runs on `npm ci` (the `prepare` script). bin/m4c.js uses a bundle only while it is newer than every
// source file it holds, so editing a source never runs stale code.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newestSourceMtime } from './source-mtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'dist'), { recursive: true });
const banner = { js: "import { createRequire as __m4cr } from 'node:module'; const require = __m4cr(import.meta.url);" };

/** `import.meta` of our sources as the source file's own (see above). */
const sourceMeta = {
  name: 'source-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      return {
        loader: 'ts',
        contents: text
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path)),
      };
    });
  },
};

async function bundle(entry, out, stamp, options) {
  const result = await build({
    metafile: true,
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    ...out,
    banner,
    logLevel: 'warning',
    ...options,
  });
  // Exactly the files the bundle was built from: bin/m4c.js compares their mtimes with the build's.
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes('node_modules/'))
    .concat('package.json');
  writeFileSync(join(root, stamp), JSON.stringify({ newestSource: newestSourceMtime(root, inputs), inputs }));
}

await bundle('cli/fast-main.ts', { outfile: join(root, 'dist/m4c-fast.mjs') }, 'dist/stamp.json', {
  external: ['onnxruntime-node', 'better-sqlite3'],
});
const RUN_EXTERNAL = [
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
// Split at the commands' dynamic imports (cli/main.ts), so a command loads only its own code and packages.
rmSync(join(root, 'dist/run'), { recursive: true, force: true });
await bundle(
  'cli/main.ts',
  { outdir: join(root, 'dist/run'), splitting: true, entryNames: 'm4c-run', chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' } },
  'dist/stamp-run.json',
  { external: RUN_EXTERNAL, plugins: [sourceMeta] },
);
