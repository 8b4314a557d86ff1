// ajv's standalone code as a self-contained ES module: the runtime helpers it `require`s (e.g.
// ajv/dist/runtime/ucs2length for string lengths) are inlined as CommonJS modules of their own, so the module
// needs no resolution and means the same under Node's ESM loader (the tests) and in esbuild's bundle
// (scripts/build-cli.mjs), whose CommonJS interop rules differ.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** ajv (Ajv class and standaloneCode) as installed for the repository at `root`. */
export function ajvOf(root) {
  const require = createRequire(join(root, 'package.json'));
  return { Ajv: require('ajv').Ajv, standaloneCode: require('ajv/dist/standalone').default, require };
}

/** `standaloneCode(ajv, refs)` with every `require("x")` replaced by x's module.exports, x's code inlined. */
export function esmStandalone(root, ajv, refs) {
  const { standaloneCode, require } = ajvOf(root);
  const inlined = new Map();
  const code = standaloneCode(ajv, refs).replace(/require\(("[^"]+")\)/g, (_, spec) => {
    const file = require.resolve(JSON.parse(spec));
    if (!inlined.has(file)) {
      const source = readFileSync(file, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/gm, '');
      // A helper with dependencies of its own would need them inlined too: none of ajv's do today.
      if (/\brequire\(/.test(source.replace(/^.*\.code = .*$/gm, ''))) throw new Error(`${file} requires other modules: inline them too`);
      inlined.set(file, { name: `__ajv_runtime${inlined.size}`, source });
    }
    return inlined.get(file).name;
  });
  const head = [...inlined.values()]
    .map(
      ({ name, source }) =>
        `const ${name} = (() => {\nconst module = { exports: {} };\nconst exports = module.exports;\n${source}\nreturn module.exports;\n})();`,
    )
    .join('\n');
  return head === '' ? code : `${head}\n${code}`;
}
