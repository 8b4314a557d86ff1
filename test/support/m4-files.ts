/** Every `.m4` file of the repository's examples, tests and docs: a corpus of real declarations for tests. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

export function repositoryM4Files(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.') || e.name === 'dist') continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.m4')) files.push(join(dir, e.name));
    }
  };
  for (const d of ['examples', 'test', 'docs', 'editors']) walk(join(ROOT, d));
  return files;
}
