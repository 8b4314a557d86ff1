/**
 * docs/editors.md's Neovim 0.7 snippet, exactly as written there, in Debian's Neovim (0.7.2) run headless:
 * opening a broken .m4 file shows the server's diagnostics. `m4c` on the PATH is this checkout's bin/m4c.js.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-cli.ts';

const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const haveNvim = nvim.status === 0;
if (!haveNvim) console.warn("test/editors/neovim.test.ts: nvim not found — install Debian's `neovim` (.ci/run does)");

/** The ```lua block that follows the "With Neovim 0.7" paragraph of docs/editors.md. */
function snippet07(): string {
  const doc = readFileSync(join(ROOT, 'docs/editors.md'), 'utf8');
  const at = doc.indexOf('With Neovim 0.7');
  expect(at, 'docs/editors.md has a Neovim 0.7 snippet').toBeGreaterThan(0);
  const m = /```lua\n([\s\S]*?)```/.exec(doc.slice(at));
  return m![1]!;
}

describe.skipIf(!haveNvim)('Neovim 0.7 configuration from docs/editors.md', () => {
  it('shows the diagnostics of a broken file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-nvim-'));
    const bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'm4c'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/m4c.js')}" "$@"\n`);
    chmodSync(join(bin, 'm4c'), 0o755);
    writeFileSync(join(dir, 'init.lua'), snippet07());
    writeFileSync(join(dir, 'broken.m4'), 'input x: f32[batch, 3]\nnode y = colum(x, index: 1)\noutput out = y\n');
    writeFileSync(
      join(dir, 'probe.lua'),
      [
        'local ok = vim.wait(40000, function() return #vim.diagnostic.get(0) > 0 end, 50)',
        "for _, d in ipairs(vim.diagnostic.get(0)) do io.stdout:write(string.format('%d:%d %s %s\\n', d.lnum + 1, d.col + 1, tostring(d.code), d.message)) end",
        "if not ok then io.stdout:write('no diagnostics\\n') end",
        "vim.cmd('qa!')",
      ].join('\n'),
    );
    const r = spawnSync('nvim', ['--headless', '-u', join(dir, 'init.lua'), join(dir, 'broken.m4'), '-c', `luafile ${join(dir, 'probe.lua')}`], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` },
    });
    const out = r.stdout + r.stderr;
    expect(out).not.toContain('no diagnostics');
    expect(out).toMatch(/^2:10 M1004 `colum` is neither a stdlib op nor a declared model/m);
  });
});
