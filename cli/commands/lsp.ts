/**
 * `m4c lsp`: the m4 language server over stdio (lsp/server.ts). Editors start it; it runs until the client
 * sends `exit` (code 0 after `shutdown`, 1 otherwise) or closes stdin.
 */
import { format } from 'node:util';
import type { Command } from 'commander';
import { createConnection, StreamMessageWriter, type Message } from 'vscode-languageserver/node';
import { startLanguageServer } from '../../lsp/server.ts';
import { FrameReader, LifecycleGate } from '../../lsp/transport.ts';

export function register(program: Command): void {
  program
    .command('lsp')
    .description('run the m4 language server over stdio (for editors: VS Code, Neovim, ...)')
    .option('--stdio', 'communicate over stdin/stdout (the default; accepted for clients that pass it)')
    .option('--debounce <ms>', 'quiet time that ends a burst of edits before diagnostics are recomputed', '150')
    .option('--clientProcessId <pid>', 'exit when this process ends (passed by some clients)')
    .addHelpText(
      'after',
      `
Set-up for VS Code and Neovim: docs/editors.md.`,
    )
    .action(async (opts: { debounce: string }) => {
      const debounceMs = Number(opts.debounce);
      const writer = new StreamMessageWriter(process.stdout);
      // Malformed frames are skipped with a line on stderr (the client's server log); bad bodies answered.
      const frames = new FrameReader(process.stdin, {
        badFrame: (reason, excerpt) => process.stderr.write(`m4 language server: skipped input that is not an LSP frame (${reason}): "${excerpt}"\n`),
        badMessage: (code, message, id) => void writer.write({ jsonrpc: '2.0', id, error: { code, message } } as Message),
        fatal: (reason) => {
          process.stderr.write(`m4 language server: ${reason}; exiting\n`);
          process.exit(1);
        },
      });
      const connection = createConnection(new LifecycleGate(frames, writer), writer);
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
