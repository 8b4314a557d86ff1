// The m4 extension for VS Code: starts `m4c lsp` and connects VS Code to it with vscode-languageclient.
// Everything the editor shows (diagnostics, hover, completion, rename, formatting, quick fixes) comes from
// the server; this file only finds the executable and manages the client's lifetime.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** @type {import('vscode-languageclient/node').LanguageClient | undefined} */
let client;

/**
 * How to start the server: the `m4.server.path` setting, else the workspace's `node_modules/.bin/m4c`,
 * else `m4c` on the PATH. A leading `~` in the setting is the home directory; a `.js`/`.mjs` path (a
 * checkout's `bin/m4c.js`) is run with `node`. On Windows, npm's `.cmd`/`.bat` shims can only be started
 * through a shell (Node refuses to spawn them directly since 18.20.2), so `shell` is set for them.
 * Pure (no vscode import) so it can be tested outside the editor.
 *
 * @param {{ path?: string, args?: string[], debounceMs?: number }} settings
 * @param {string[]} workspaceDirs
 * @param {(p: string) => boolean} exists
 * @param {{ platform?: string, home?: string }} env
 * @returns {{ command: string, args: string[], shell?: boolean }}
 */
function serverCommand(settings, workspaceDirs, exists = fs.existsSync, env = {}) {
  const platform = env.platform ?? process.platform;
  const home = env.home ?? os.homedir();
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const args = Array.isArray(settings.args) && settings.args.length > 0 ? settings.args.map(String) : ['lsp'];
  if (typeof settings.debounceMs === 'number' && settings.debounceMs >= 0 && !args.includes('--debounce')) {
    args.push('--debounce', String(settings.debounceMs));
  }
  let exe = typeof settings.path === 'string' ? settings.path.trim() : '';
  if (exe === '~' || exe.startsWith('~/') || exe.startsWith('~\\')) exe = paths.join(home, exe.slice(1));
  const hasSeparator = exe.includes('/') || (platform === 'win32' && exe.includes('\\'));
  if (exe && !paths.isAbsolute(exe) && hasSeparator && workspaceDirs[0]) exe = paths.join(workspaceDirs[0], exe);
  if (!exe) {
    const bin = platform === 'win32' ? 'm4c.cmd' : 'm4c';
    exe = workspaceDirs.map((d) => paths.join(d, 'node_modules', '.bin', bin)).find((p) => exists(p)) ?? 'm4c';
  }
  if (/\.m?js$/i.test(exe)) return { command: 'node', args: [exe, ...args] };
  if (platform === 'win32' && (/\.(cmd|bat)$/i.test(exe) || exe === 'm4c')) {
    // Through cmd.exe: quote what may hold spaces.
    const quote = (a) => (/[\s"]/.test(a) ? `"${a.replace(/"/g, '""')}"` : a);
    return { command: quote(exe), args: args.map(quote), shell: true };
  }
  return { command: exe, args };
}

/** @param {import('vscode').ExtensionContext} context */
async function activate(context) {
  const vscode = require('vscode');
  const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

  const start = async () => {
    const config = vscode.workspace.getConfiguration('m4');
    const dirs = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const { command, args, shell } = serverCommand(
      {
        path: config.get('server.path'),
        args: config.get('server.args'),
        debounceMs: config.get('server.debounceMs'),
      },
      dirs,
    );
    const run = { command, args, transport: TransportKind.stdio, options: { cwd: dirs[0], shell } };
    client = new LanguageClient(
      'm4',
      'm4 language server',
      { run, debug: run },
      {
        documentSelector: [
          { scheme: 'file', language: 'm4' },
          { scheme: 'untitled', language: 'm4' },
        ],
        // Model files changed on disk: the server re-reads their signatures.
        synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.onnx') },
        outputChannelName: 'm4',
      },
    );
    try {
      await client.start();
    } catch (err) {
      void vscode.window.showErrorMessage(
        `m4: could not start \`${command} ${args.join(' ')}\` (${err instanceof Error ? err.message : err}). Set "m4.server.path" to your m4c executable.`,
      );
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('m4.restartServer', async () => {
      if (client) await client.stop().catch(() => undefined);
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('m4.server')) await vscode.commands.executeCommand('m4.restartServer');
    }),
  );
  await start();
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate, serverCommand };
