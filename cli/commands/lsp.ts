/**
 * `m4c lsp`: the m4 language server over stdio (lsp/server.ts). Editors start it; it runs until the client
 * sends `exit` (code 0 after `shutdown`, 1 otherwise) or closes stdin.
 */
import { format } from 'node:util';
import type { Command } from 'commander';
import { createConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { startLanguageServer } from '../../lsp/server.ts';

export function register(program: Command): void {
  program
    .command('lsp')
    .description('run the m4 language server over stdio (for editors: VS Code, Neovim, ...)')
    .option('--stdio', 'communicate over stdin/stdout (the default; accepted for clients that pass it)')
    .option('--debounce <ms>', 'quiet time that ends a burst of edits before diagnostics are recomputed', '150')
    .option('--clientProcessId <pid>', 'exit when this process ends (passed by some clients)')
    .addHelpText('after', `
Set-up for VS Code and Neovim: docs/editors.md.`)
    .action(async (opts: { debounce: string }) => {
      const debounceMs = Number(opts.debounce);
      const connection = createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
      // stdout carries the protocol: anything printed goes to the client's log instead.
      const toLog = (...args: unknown[]) => connection.console.log(format(...args));
      console.log = toLog;
      console.info = toLog;
      console.warn = (...args: unknown[]) => connection.console.warn(format(...args));
      console.error = (...args: unknown[]) => connection.console.error(format(...args));
      // A bug must not take the editor's language features down: log it and keep serving.
      process.on('uncaughtException', (err) => connection.console.error(`m4 language server: internal error: ${err.stack ?? err.message}`));
      process.on('unhandledRejection', (err) => connection.console.error(`m4 language server: internal error: ${String(err)}`));
      const server = startLanguageServer(connection, { debounceMs: Number.isFinite(debounceMs) && debounceMs >= 0 ? debounceMs : 150 });
      // stdin closing means the client is gone.
      process.stdin.on('end', () => process.exit(server.shutdownReceived ? 0 : 1));
      // Serve until the client sends `exit` (vscode-languageserver then ends the process).
      await new Promise<never>(() => undefined);
    });
}
