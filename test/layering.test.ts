/**
 * The import rules of docs/architecture.md, enforced: every import (static, `export … from`, dynamic
 * `import()`, type-only included) of every non-test source file is an arrow from its top-level folder
 * to another, and an arrow not in RULES fails. A top-level folder not named here that holds sources (a
 * new command area such as `serve/`) is treated like `cli/`: it may import anything but bench/ and tools/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folder → the folders (or `folder/sub` paths) it may import, besides itself. `*`: anything. */
const RULES: Record<string, readonly string[]> = {
  grammar: [],
  plan: [],
  stdlib: ['plan'],
  compiler: ['grammar', 'plan', 'stdlib'],
  runtime: ['plan', 'stdlib'],
  lsp: ['compiler', 'grammar', 'plan', 'stdlib'],
  dashboard: ['plan', 'runtime/sinks'],
  cli: ['*'],
};

/** Never imported by source, whatever the importer. */
const NEVER_IMPORTED = new Set(['bench', 'tools']);
/** Not source of the toolchain: tests, benchmarks, tools, examples, the editor extensions, build scripts. */
const NOT_SOURCE = new Set(['test', 'bench', 'tools', 'examples', 'editors', 'scripts', 'node_modules', 'dist', 'bin']);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|mts|tsx)$/.test(name) && !/\.test\.ts$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function topFolders(): string[] {
  return readdirSync(ROOT).filter((n) => !n.startsWith('.') && !NOT_SOURCE.has(n) && statSync(join(ROOT, n)).isDirectory());
}

/** Relative module specifiers of a file: static imports and re-exports (type-only too) and dynamic imports. */
export function specifiersOf(text: string): string[] {
  const out: string[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  for (const m of code.matchAll(/\b(?:import|export)\s+(?:type\s+)?[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  for (const m of code.matchAll(/\bnew\s+URL\s*\(\s*['"](\.[^'"]+\.ts)['"]\s*,\s*import\.meta\.url/g)) out.push(m[1]!);
  return out.filter((s) => s.startsWith('.'));
}

function allowed(from: string, toPath: string): boolean {
  const [to] = toPath.split('/');
  if (to === undefined || to === from || !toPath.includes('/')) return true; // same folder, or a top-level file (package.json)
  if (NEVER_IMPORTED.has(to)) return false;
  const rules = RULES[from] ?? ['*'];
  return rules.some((r) => r === '*' || r === to || toPath === r || toPath.startsWith(`${r}/`));
}

/** Every forbidden arrow of the tree, as `file → imported path`. */
function violations(): string[] {
  const found: string[] = [];
  for (const folder of topFolders()) {
    for (const file of sourceFiles(join(ROOT, folder))) {
      for (const spec of specifiersOf(readFileSync(file, 'utf8'))) {
        const target = relative(ROOT, resolve(dirname(file), spec))
          .split(sep)
          .join('/');
        if (target.startsWith('..')) {
          found.push(`${relative(ROOT, file)} → ${spec} (outside the repository)`);
          continue;
        }
        if (!allowed(folder, target)) found.push(`${relative(ROOT, file)} → ${target}`);
      }
    }
  }
  return found;
}

describe('layering', () => {
  it('no source file imports across a forbidden folder → folder arrow', () => {
    expect(violations()).toEqual([]);
  });

  it('finds every kind of import the rule is about', () => {
    const text = [
      "import { a } from '../x/a.ts';",
      "import type { B } from '../x/b.ts';",
      "export { c } from '../x/c.ts';",
      "import {\n  d,\n  type E,\n} from '../x/d.ts';",
      "const f = await import('../x/f.ts');",
      "import '../x/g.ts';",
      "// import { h } from '../x/h.ts';",
      "import { i } from 'node:fs';",
    ].join('\n');
    expect(specifiersOf(text)).toEqual(['../x/a.ts', '../x/b.ts', '../x/c.ts', '../x/d.ts', '../x/g.ts', '../x/f.ts']);
  });

  it('judges arrows by the rules', () => {
    expect(allowed('runtime', 'plan/plan-types.ts')).toBe(true);
    expect(allowed('runtime', 'compiler/lower.ts')).toBe(false);
    expect(allowed('plan', 'stdlib/types.ts')).toBe(false);
    expect(allowed('dashboard', 'runtime/sinks/sqlite-schema.ts')).toBe(true);
    expect(allowed('dashboard', 'runtime/executor.ts')).toBe(false);
    expect(allowed('cli', 'bench/run.ts')).toBe(false);
    expect(allowed('serve', 'runtime/executor.ts')).toBe(true);
    expect(allowed('plan', 'package.json')).toBe(true);
  });
});
