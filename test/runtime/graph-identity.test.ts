import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphIdentity } from '../../runtime/graph-identity.ts';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'm4-graph-id-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function project(name: string, config?: string): string {
  const root = join(tmp, name);
  mkdirSync(join(root, 'graphs'), { recursive: true });
  if (config !== undefined) {
    mkdirSync(join(root, '.git'));
    writeFileSync(join(root, '.git', 'config'), config);
  }
  writeFileSync(join(root, 'graphs', 'ab.m4'), 'graph\n');
  return root;
}

describe('graphIdentity', () => {
  it('is the same for an absolute path and a path relative to any working directory', () => {
    const root = project('one', '[core]\n\tbare = false\n');
    const abs = graphIdentity(join(root, 'graphs', 'ab.m4'), '/');
    // Without a remote: the real path, normalized (no `//` after the work tree's root).
    expect(abs).toBe(join(realpathSync(root), 'graphs', 'ab.m4'));
    expect(abs).not.toContain('//');
    expect(graphIdentity('ab.m4', join(root, 'graphs'))).toBe(abs);
    expect(graphIdentity('graphs/ab.m4', root)).toBe(abs);
    expect(graphIdentity('../graphs/ab.m4', join(root, '.git'))).toBe(abs);
  });

  it('differs between two projects holding the same relative path', () => {
    const a = project('a', '');
    const b = project('b', '');
    expect(graphIdentity('graphs/ab.m4', a)).not.toBe(graphIdentity('graphs/ab.m4', b));
  });

  it('uses the origin remote without credentials, so two clones of one repository agree', () => {
    const remote =
      '[remote "upstream"]\n\turl = git@example.org:x/other.git\n[remote "origin"]\n\turl = https://bob:s3cret@example.org/team/fraud.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n';
    const laptop = project('laptop', remote);
    const ci = project('ci', remote);
    const id = graphIdentity('graphs/ab.m4', laptop);
    expect(id).toBe('https://example.org/team/fraud//graphs/ab.m4');
    expect(graphIdentity(join(ci, 'graphs/ab.m4'))).toBe(id);
    expect(id).not.toContain('s3cret');
  });

  it("follows a worktree's .git file to the common config", () => {
    const main = project('main', '[remote "origin"]\n\turl = git@example.org:team/fraud.git\n');
    const wt = join(tmp, 'wt');
    mkdirSync(join(main, '.git', 'worktrees', 'wt'), { recursive: true });
    writeFileSync(join(main, '.git', 'worktrees', 'wt', 'commondir'), '../..\n');
    mkdirSync(join(wt, 'graphs'), { recursive: true });
    writeFileSync(join(wt, '.git'), `gitdir: ${join(main, '.git', 'worktrees', 'wt')}\n`);
    writeFileSync(join(wt, 'graphs', 'ab.m4'), 'graph\n');
    expect(graphIdentity('graphs/ab.m4', wt)).toBe('git@example.org:team/fraud//graphs/ab.m4');
  });

  it('resolves symbolic links; is the real path outside Git; keeps a non-file source as given', () => {
    const loose = join(tmp, 'loose');
    mkdirSync(loose);
    writeFileSync(join(loose, 'ab.m4'), 'graph\n');
    symlinkSync(join(loose, 'ab.m4'), join(loose, 'link.m4'));
    // tmpdir() is not inside a Git work tree on CI machines; the identity is then the real path.
    const id = graphIdentity('link.m4', loose);
    expect(id.endsWith('ab.m4')).toBe(true);
    expect(graphIdentity(join(loose, 'ab.m4'))).toBe(id);
    expect(graphIdentity('m4c compare')).toBe('m4c compare');
    expect(graphIdentity('no/such/file.m4', loose)).toBe('no/such/file.m4');
  });
});
