/**
 * The `m4c` image's Dockerfile, checked without a Docker daemon (none runs here): what it copies exists and is
 * not excluded by .dockerignore, and the dependencies it installs with `--ignore-scripts` still get the native
 * addons they need. That last check pins a real bug: `npm ci --ignore-scripts` alone leaves better-sqlite3
 * without its compiled binding, and every SQLite sink in the image failed with "Could not locate the bindings
 * file" (found by running the Dockerfile's steps outside Docker, docs/scale.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** Instructions with their continuation lines joined and comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  const joined = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

const steps = instructions(dockerfile);

describe('Dockerfile', () => {
  it('copies only files that exist and that .dockerignore does not exclude', () => {
    const copies = steps.filter((s) => s.op === 'COPY').map((s) => s.args.split(' ').slice(0, -1));
    expect(copies.length).toBeGreaterThan(0);
    for (const sources of copies) {
      for (const source of sources) {
        if (source === '.') continue;
        expect(existsSync(join(ROOT, source)), source).toBe(true);
        expect(ignored.includes(source), `${source} is in .dockerignore`).toBe(false);
      }
    }
    // What the image builds from source must reach it.
    for (const needed of ['bin', 'cli', 'compiler', 'grammar', 'plan', 'runtime', 'stdlib', 'scripts']) expect(ignored).not.toContain(needed);
  });

  it('rebuilds every native addon that `npm ci --ignore-scripts` leaves unbuilt', () => {
    const run = steps.filter((s) => s.op === 'RUN').map((s) => s.args);
    const install = run.find((r) => /\bnpm ci\b/.test(r));
    expect(install).toBeDefined();
    if (!/--ignore-scripts/.test(install!)) return;
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean; dev?: boolean; optional?: boolean }>;
    };
    // A runtime dependency whose install script compiles a binding (it ships binding.gyp at its root).
    const native = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith('node_modules/') && p.hasInstallScript && !p.dev && !p.optional)
      .map(([path]) => path)
      .filter((path) => existsSync(join(ROOT, path, 'binding.gyp')))
      .map((path) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(native).toContain('better-sqlite3');
    const rebuilt = new Set(run.flatMap((r) => [...r.matchAll(/npm rebuild ((?:[@\w./-]+ ?)+)/g)].flatMap((m) => m[1]!.trim().split(' '))));
    for (const name of native) expect(rebuilt.has(name), `${name} is not rebuilt after npm ci --ignore-scripts`).toBe(true);
  });

  it('installs the m4c entrypoint from the checked-in CLI', () => {
    expect(steps.find((s) => s.op === 'ENTRYPOINT')?.args).toBe('["m4c"]');
    expect(dockerfile).toContain('ln -s /opt/m4/bin/m4c.js /usr/local/bin/m4c');
    expect(existsSync(join(ROOT, 'bin', 'm4c.js'))).toBe(true);
    expect(steps.find((s) => s.op === 'USER')?.args).toBe('node');
  });
});
