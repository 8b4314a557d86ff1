// The m4 extension for VS Code: starts `m4c lsp` and connects VS Code to it with vscode-languageclient.
// Everything the editor shows (diagnostics, hover, completion, rename, formatting, quick fixes) comes from
// the server; this file only finds the executable and manages the client's lifetime.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** @type {import('vscode-languageclient/node').LanguageClient | undefined} */
let client;

/**
 * How to start the server: the `m4.server.path` setting, else the workspace's `node_modules/.bin/m4c`,
 * else `m4c` on the PATH. A `.js`/`.mjs` path (a checkout's `bin/m4c.js`) is run with `node`.
 * Pure (no vscode import) so it can be tested outside the editor.
 *
 * @param {{ path?: string, args?: string[], debounceMs?: number }} settings
 * @param {string[]} workspaceDirs
 * @param {(p: string) => boolean} exists
 * @returns {{ command: string, args: string[] }}
 */
function serverCommand(settings, workspaceDirs, exists = fs.existsSync) {
  const args = Array.isArray(settings.args) && settings.args.length > 0 ? settings.args.map(String) : ['lsp'];
  if (typeof settings.debounceMs === 'number' && settings.debounceMs >= 0 && !args.includes('--debounce')) {
    args.push('--debounce', String(settings.debounceMs));
  }
  let exe = typeof settings.path === 'string' ? settings.path.trim() : '';
  if (exe && !path.isAbsolute(exe) && exe.includes('/') && workspaceDirs[0]) exe = path.join(workspaceDirs[0], exe);
  if (!exe) {
    const bin = process.platform === 'win32' ? 'm4c.cmd' : 'm4c';
    exe = workspaceDirs.map((d) => path.join(d, 'node_modules', '.bin', bin)).find((p) => exists(p)) ?? 'm4c';
  }
  if (/\.m?js$/.test(exe)) return { command: 'node', args: [exe, ...args] };
  return { command: exe, args };
}

/** @param {import('vscode').ExtensionContext} context */
async function activate(context) {
  const vscode = require('vscode');
  const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

  const start = async () => {
    const config = vscode.workspace.getConfiguration('m4');
    const dirs = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const { command, args } = serverCommand({
      path: config.get('server.path'),
      args: config.get('server.args'),
      debounceMs: config.get('server.debounceMs'),
    }, dirs);
    const run = { command, args, transport: TransportKind.stdio, options: { cwd: dirs[0] } };
    client = new LanguageClient('m4', 'm4 language server', { run, debug: run }, {
      documentSelector: [{ scheme: 'file', language: 'm4' }, { scheme: 'untitled', language: 'm4' }],
      // Model files changed on disk: the server re-reads their signatures.
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.onnx') },
      outputChannelName: 'm4',
    });
    try {
      await client.start();
    } catch (err) {
      void vscode.window.showErrorMessage(`m4: could not start \`${command} ${args.join(' ')}\` (${err instanceof Error ? err.message : err}). Set "m4.server.path" to your m4c executable.`);
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
