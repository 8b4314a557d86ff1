// The newest modification time among the sources the fast bundle is built from.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUNDLED_DIRS = ['grammar', 'compiler', 'stdlib', 'plan', 'cli', 'lsp'];

export function newestSourceMtime(root) {
  let newest = statSync(join(root, 'package.json')).mtimeMs;
  const walk = (dir) => {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of BUNDLED_DIRS) walk(join(root, d));
  return newest;
}
