/**
 * The VS Code extension folder: its manifest, language configuration and client, and the TextMate grammar
 * run by vscode-tmgrammar-test on an annotated sample (test/editors/syntax/sample.m4).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/parse.ts';
import { opNames } from '../../stdlib/ops/index.ts';
import { ROOT } from '../support/run-cli.ts';

const EXT = join(ROOT, 'editors/vscode');
const TMTEST = join(ROOT, 'node_modules/vscode-tmgrammar-test/dist/unit.js');
const manifest = JSON.parse(readFileSync(join(EXT, 'package.json'), 'utf8'));

function tmgrammarTest(pattern: string) {
  return spawnSync(process.execPath, [TMTEST, '--config', join(EXT, 'package.json'), pattern], { cwd: ROOT, encoding: 'utf8' });
}

describe('TextMate grammar', () => {
  it('gives the expected scopes on the annotated sample', () => {
    const r = tmgrammarTest('test/editors/syntax/*.m4');
    expect(r.stdout + r.stderr).toContain('run successfuly');
    expect(r.status).toBe(0);
  });

  it('fails on a wrong assertion (the runner really checks)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-tm-'));
    writeFileSync(join(dir, 'wrong.m4'), '// SYNTAX TEST "source.m4" "a wrong expectation"\nnode a = b\n// <---- comment.line.double-slash.m4\n');
    const r = tmgrammarTest(join(dir, '*.m4'));
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('missing required scopes: comment.line.double-slash.m4');
  });

  it('highlights exactly the stdlib ops as ops', () => {
    const grammar = readFileSync(join(EXT, 'syntaxes/m4.tmLanguage.json'), 'utf8');
    const m = /\\\\b\(\?:([a-z_|]+)\)\(\?=\\\\s\*\\\\\(\)/.exec(grammar);
    expect(m, 'the op pattern').not.toBeNull();
    expect(m![1]!.split('|').sort()).toEqual(opNames());
  });

  it('is tested on a sample that is a valid .m4 file', () => {
    const text = readFileSync(join(ROOT, 'test/editors/syntax/sample.m4'), 'utf8');
    expect(parse(text, 'sample.m4').problems).toEqual([]);
  });
});

describe('extension manifest', () => {
  it('contributes the m4 language for .m4 files, with its grammar and language configuration', () => {
    const lang = manifest.contributes.languages.find((l: { id: string }) => l.id === 'm4');
    expect(lang.extensions).toEqual(['.m4']);
    const grammar = manifest.contributes.grammars.find((g: { language: string }) => g.language === 'm4');
    expect(grammar.scopeName).toBe('source.m4');
    // manifest.main (dist/extension.js) is build output: the packaging test below builds and checks it.
    for (const p of [lang.configuration, grammar.path, 'src/extension.js', 'build.mjs']) expect(existsSync(join(EXT, p)), p).toBe(true);
    const grammarJson = JSON.parse(readFileSync(join(EXT, grammar.path), 'utf8'));
    expect(grammarJson.scopeName).toBe('source.m4');
  });

  it('configures comments, brackets and auto-closing pairs', () => {
    const conf = JSON.parse(readFileSync(join(EXT, 'language-configuration.json'), 'utf8'));
    expect(conf.comments).toEqual({ lineComment: '//', blockComment: ['/*', '*/'] });
    expect(conf.brackets).toEqual([
      ['{', '}'],
      ['[', ']'],
      ['(', ')'],
    ]);
    expect(conf.autoClosingPairs.map((p: { open: string }) => p.open)).toEqual(expect.arrayContaining(['{', '[', '(', '"', '`']));
  });

  it('declares its settings; the client library is bundled, so the extension has no run-time dependencies', () => {
    expect(Object.keys(manifest.contributes.configuration.properties)).toEqual([
      'm4.server.path',
      'm4.server.args',
      'm4.server.debounceMs',
      'm4.trace.server',
    ]);
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.devDependencies['vscode-languageclient']).toBeDefined();
    expect(manifest.main).toBe('./dist/extension.js');
    expect(manifest.scripts['vscode:prepublish']).toBe('node build.mjs');
  });

  it('has a README without links that break outside the repository', () => {
    const readme = readFileSync(join(EXT, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/\]\((?!https?:)[^)]*\)/);
  });
});

describe('packaging', () => {
  it('`vsce package` builds a .vsix of the bundle, the grammar and the manifest only', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'm4-vsix-')), 'm4.vsix');
    const vsce = join(ROOT, 'node_modules/@vscode/vsce/vsce');
    const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '-o', out], {
      cwd: EXT,
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const zip = spawnSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', out], {
      encoding: 'utf8',
    });
    const list = zip.stdout.split('\n').filter(Boolean).sort();
    expect(list).toEqual([
      '[Content_Types].xml',
      'extension.vsixmanifest',
      'extension/dist/extension.js',
      'extension/language-configuration.json',
      'extension/package.json',
      'extension/readme.md',
      'extension/syntaxes/m4.tmLanguage.json',
    ]);
    // The bundle holds the client: it loads with only `vscode` missing.
    const bundle = readFileSync(join(EXT, 'dist/extension.js'), 'utf8');
    expect(bundle).toContain('LanguageClient');
    expect(bundle).not.toMatch(/require\(["']vscode-languageclient/);
  });
});

describe('extension client', () => {
  const { serverCommand } = createRequire(import.meta.url)(join(EXT, 'src/extension.js')) as {
    serverCommand: (
      s: { path?: string; args?: string[]; debounceMs?: number },
      dirs: string[],
      exists?: (p: string) => boolean,
      env?: { platform?: string; home?: string },
    ) => { command: string; args: string[]; shell?: boolean };
  };

  it('starts `m4c lsp` from the PATH by default', () => {
    expect(serverCommand({}, [], () => false)).toEqual({ command: 'm4c', args: ['lsp'] });
  });

  it("prefers the workspace's node_modules/.bin/m4c", () => {
    const bin = join('/ws', 'node_modules', '.bin', 'm4c');
    expect(serverCommand({}, ['/ws'], (p) => p === bin)).toEqual({ command: bin, args: ['lsp'] });
  });

  it('runs a configured .js entry point with node, relative paths from the workspace, with the debounce setting', () => {
    expect(serverCommand({ path: 'bin/m4c.js', debounceMs: 80 }, ['/ws'])).toEqual({
      command: 'node',
      args: ['/ws/bin/m4c.js', 'lsp', '--debounce', '80'],
    });
    expect(serverCommand({ path: '/opt/m4/m4c', args: ['lsp'] }, [])).toEqual({ command: '/opt/m4/m4c', args: ['lsp'] });
  });

  it('expands a leading ~ to the home directory', () => {
    expect(serverCommand({ path: '~/m4/bin/m4c.js' }, ['/ws'], () => false, { platform: 'linux', home: '/home/ana' })).toEqual({
      command: 'node',
      args: ['/home/ana/m4/bin/m4c.js', 'lsp'],
    });
    expect(serverCommand({ path: '~/bin/m4c' }, [], () => false, { platform: 'linux', home: '/home/ana' })).toEqual({
      command: '/home/ana/bin/m4c',
      args: ['lsp'],
    });
  });

  it("starts npm's .cmd shims through a shell on Windows, quoting paths with spaces", () => {
    const bin = 'C:\\Users\\Ana Lu\\ws\\node_modules\\.bin\\m4c.cmd';
    expect(serverCommand({}, ['C:\\Users\\Ana Lu\\ws'], (p) => p === bin, { platform: 'win32', home: 'C:\\Users\\Ana Lu' })).toEqual({
      command: `"${bin}"`,
      args: ['lsp'],
      shell: true,
    });
    expect(serverCommand({}, [], () => false, { platform: 'win32', home: 'C:\\Users\\ana' })).toEqual({ command: 'm4c', args: ['lsp'], shell: true });
    expect(serverCommand({ path: '~\\m4\\bin\\m4c.js' }, [], () => false, { platform: 'win32', home: 'C:\\Users\\ana' })).toEqual({
      command: 'node',
      args: ['C:\\Users\\ana\\m4\\bin\\m4c.js', 'lsp'],
    });
  });

  it('loads without VS Code (the editor API is required only on activation)', () => {
    const r = spawnSync(process.execPath, ['--check', join(EXT, 'src/extension.js')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  });
});
