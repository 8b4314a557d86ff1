// The newest modification time among the source files a bundle was built from (paths relative to root).
import { statSync } from 'node:fs';
import { join } from 'node:path';

export function newestSourceMtime(root, files) {
  let newest = 0;
  for (const f of files) {
    try {
      newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
    } catch {
      return Infinity; // a source the bundle was built from is gone: the bundle is stale
    }
  }
  return newest;
}
