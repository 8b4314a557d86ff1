/**
 * vitest's global setup: every test process of a run makes its temporary files under one directory of its own
 * (TMPDIR, which os.tmpdir() and the programs the tests start honour), removed when the run ends — so a run leaves
 * nothing in /tmp, however many `mkdtemp` its tests call. A run killed before its end leaves that one directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'm4-test-run-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
