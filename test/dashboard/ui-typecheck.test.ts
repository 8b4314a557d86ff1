/**
 * The browser half of the dashboard has its own tsconfig (DOM types): the root `tsc -p .` does not
 * see it, so this test type-checks it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

it('dashboard/ui type-checks in strict mode', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'dashboard/ui'), '--pretty', 'false'], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
});
