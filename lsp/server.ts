/**
 * The m4 language server: wires the LSP requests to the feature functions of this folder, which read one
 * compiled {@link Analysis} per open document (documents.ts).
 *
 * Robustness: every handler is wrapped. Malformed parameters, unknown documents, out-of-range positions
 * and requests in any order get an empty result; an internal failure is logged and answered with an empty
 * result too, so the server never dies. Only a refused rename answers with an error (its message is what
 * the editor shows).
 */
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  ResponseError,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { clearSignatureCache } from '../compiler/onnx-signature.ts';
import { M4_VERSION } from '../plan/version.ts';
import { offsetOf, type Analysis } from './analysis.ts';
import { codeActions } from './code-actions.ts';
import { completionList } from './completion.ts';
import { lspDiagnostics } from './diagnostics.ts';
import { Documents } from './documents.ts';
import { formatDocument } from './formatting.ts';
import { hover } from './hover.ts';
import { definition, highlights, references } from './navigation.ts';
import { documentSymbols, foldingRanges } from './outline.ts';
import { prepareRename, rename } from './rename.ts';

export interface ServerOptions {
  /** Quiet time that ends a burst of edits (default 150 ms). */
  debounceMs?: number;
}

/**
 * `m4/memoryUsage`: the server's memory after a garbage collection when `--expose-gc` is on (none with the
 * params `{collect: false}`), and the CPU time it has used so far (benchmarks).
 */
export const MEMORY_USAGE_REQUEST = 'm4/memoryUsage';

export interface LanguageServer {
  documents: Documents;
  /** Whether the client sent `shutdown` (an `exit` or a closed stdin then ends the process with 0). */
  readonly shutdownReceived: boolean;
  dispose(): void;
}

/** Attach the m4 language server to a connection and start listening. */
export function startLanguageServer(connection: Connection, options: ServerOptions = {}): LanguageServer {
  let rootDir = process.cwd();
  let capabilities: ClientCapabilities = {};
  const log = (what: string, err: unknown) => {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    try {
      connection.console.error(`m4 language server: ${what} failed: ${detail}`);
    } catch {
      process.stderr.write(`m4 language server: ${what} failed: ${detail}\n`);
    }
  };

  const documents = new Documents({
    debounceMs: options.debounceMs ?? 150,
    fallbackDir: () => rootDir,
    publish: (state, a) => {
      void connection
        .sendDiagnostics({ uri: state.uri, version: a.doc.version, diagnostics: lspDiagnostics(a) })
        .catch((err: unknown) => log('publishing diagnostics', err));
    },
    onError: log,
  });

  /** A request handler that answers `fallback` on malformed input or internal failure. */
  function request<P, R>(name: string, fallback: R, fn: (params: P) => R): (params: P) => R {
    return (params: P) => {
      try {
        return fn(params);
      } catch (err) {
        if (err instanceof ResponseError) throw err;
        log(name, err);
        return fallback;
      }
    };
  }
  function notification<P>(name: string, fn: (params: P) => void): (params: P) => void {
    return (params: P) => {
      try {
        fn(params);
      } catch (err) {
        log(name, err);
      }
    };
  }

  /** The analysis and cursor offset a positional request is about, when both exist. */
  function at(params: unknown): { a: Analysis; offset: number } | undefined {
    const p = params as { textDocument?: { uri?: unknown }; position?: unknown } | null | undefined;
    const uri = p?.textDocument?.uri;
    if (typeof uri !== 'string') return undefined;
    const a = documents.analysis(uri);
    if (!a) return undefined;
    const offset = offsetOf(a.doc, p!.position as never);
    return offset === undefined ? undefined : { a, offset };
  }
  function analysisOf(params: unknown): Analysis | undefined {
    const uri = (params as { textDocument?: { uri?: unknown } } | null | undefined)?.textDocument?.uri;
    return typeof uri === 'string' ? documents.analysis(uri) : undefined;
  }

  connection.onInitialize(
    request('initialize', {} as InitializeResult, (params): InitializeResult => {
      capabilities = params?.capabilities ?? {};
      const root = params?.workspaceFolders?.[0]?.uri ?? params?.rootUri;
      if (typeof root === 'string' && root.startsWith('file:')) {
        try {
          rootDir = fileURLToPath(root);
        } catch {
          // keep the working directory
        }
      }
      return {
        capabilities: {
          textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
          hoverProvider: true,
          completionProvider: { triggerCharacters: ['.', '(', ',', ':', '['], resolveProvider: false },
          definitionProvider: true,
          referencesProvider: true,
          documentHighlightProvider: true,
          renameProvider: { prepareProvider: true },
          documentSymbolProvider: true,
          foldingRangeProvider: true,
          documentFormattingProvider: true,
          codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        },
        serverInfo: { name: 'm4', version: M4_VERSION },
      };
    }),
  );

  connection.onInitialized(
    notification('initialized', () => {
      // Model files that change on disk: ask the client to tell us (VS Code's extension also watches them).
      if (capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
        void connection.client
          .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.onnx' }] })
          .catch((err: unknown) => log('registering file watchers', err));
      }
    }),
  );

  connection.onDidOpenTextDocument(
    notification('didOpen', (p) => {
      const td = p?.textDocument;
      if (typeof td?.uri !== 'string' || typeof td.text !== 'string') return;
      if (!Number.isInteger(td.version)) return log('didOpen', `refused ${td.uri}: version ${JSON.stringify(td.version)} is not an integer`);
      documents.open(td.uri, td.version, td.text);
    }),
  );
  connection.onDidChangeTextDocument(
    notification('didChange', (p) => {
      const td = p?.textDocument;
      if (typeof td?.uri !== 'string' || !Array.isArray(p.contentChanges)) return;
      const changes = p.contentChanges.filter(isChange);
      if (changes.length === 0) return;
      // A change without a usable version cannot be ordered against the others: applying it could make the
      // server's text differ from the editor's for good.
      if (!Number.isInteger(td.version))
        return log('didChange', `refused an edit of ${td.uri}: version ${JSON.stringify(td.version)} is not an integer`);
      documents.change(td.uri, td.version, changes);
    }),
  );
  connection.onDidCloseTextDocument(
    notification('didClose', (p) => {
      const uri = p?.textDocument?.uri;
      if (typeof uri === 'string' && documents.close(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined);
    }),
  );
  connection.onDidChangeWatchedFiles(
    notification('didChangeWatchedFiles', () => {
      // The signature cache is keyed on mtime and size; clearing it also covers a rewrite within one tick.
      clearSignatureCache();
      documents.invalidateAll();
    }),
  );

  connection.onHover(
    request('hover', null, (p) => {
      const x = at(p);
      return x ? hover(x.a, x.offset) : null;
    }),
  );
  connection.onCompletion(
    request('completion', [], (p) => {
      const x = at(p);
      if (!x) return [];
      // A plain array while nothing was cut; a list marked incomplete (asked again as the word grows) when it was.
      const list = completionList(x.a, x.offset);
      return list.isIncomplete ? list : list.items;
    }),
  );
  connection.onDefinition(
    request('definition', null, (p) => {
      const x = at(p);
      return x ? definition(x.a, x.offset) : null;
    }),
  );
  connection.onReferences(
    request('references', [], (p) => {
      const x = at(p);
      return x ? references(x.a, x.offset, p?.context?.includeDeclaration !== false) : [];
    }),
  );
  connection.onDocumentHighlight(
    request('documentHighlight', [], (p) => {
      const x = at(p);
      return x ? highlights(x.a, x.offset) : [];
    }),
  );
  connection.onPrepareRename(
    request('prepareRename', null, (p) => {
      const x = at(p);
      return x ? prepareRename(x.a, x.offset) : null;
    }),
  );
  connection.onRenameRequest(
    request('rename', null, (p) => {
      const x = at(p);
      return x ? rename(x.a, x.offset, p.newName) : null;
    }),
  );
  connection.onDocumentSymbol(
    request('documentSymbol', [], (p) => {
      const a = analysisOf(p);
      return a ? documentSymbols(a) : [];
    }),
  );
  connection.onFoldingRanges(
    request('foldingRange', [], (p) => {
      const a = analysisOf(p);
      return a ? foldingRanges(a) : [];
    }),
  );
  connection.onDocumentFormatting(
    request('formatting', [], (p) => {
      const a = analysisOf(p);
      return a ? formatDocument(a.doc, a.file) : [];
    }),
  );
  connection.onCodeAction(
    request('codeAction', [], (p) => {
      const a = analysisOf(p);
      if (!a || !p?.range) return [];
      const start = offsetOf(a.doc, p.range.start);
      const end = offsetOf(a.doc, p.range.end);
      if (start === undefined || end === undefined) return [];
      return codeActions(a, Math.min(start, end), Math.max(start, end));
    }),
  );
  connection.onRequest(
    MEMORY_USAGE_REQUEST,
    request('memoryUsage', null, (params: unknown) => {
      // CPU time so far (user + system, µs), read before the collection below adds to it.
      const cpu = process.cpuUsage();
      const gc = (globalThis as { gc?: () => void }).gc;
      // `{collect: false}` reads without collecting (a benchmark reading CPU time around timed edits).
      const collect = !(typeof params === 'object' && params !== null && (params as { collect?: unknown }).collect === false);
      if (gc && collect) gc();
      const m = process.memoryUsage();
      return {
        rss: m.rss,
        heapUsed: m.heapUsed,
        afterGc: gc !== undefined && collect,
        documents: documents.all().length,
        cpuMicros: cpu.user + cpu.system,
      };
    }),
  );
  let shutdownReceived = false;
  connection.onShutdown(() => {
    shutdownReceived = true;
    documents.dispose();
  });

  connection.listen();
  return {
    documents,
    get shutdownReceived() {
      return shutdownReceived;
    },
    dispose: () => documents.dispose(),
  };
}

function isChange(c: unknown): c is TextDocumentContentChangeEvent {
  if (!c || typeof c !== 'object' || typeof (c as { text?: unknown }).text !== 'string') return false;
  const range = (c as { range?: unknown }).range;
  if (range === undefined) return true;
  const ok = (p: unknown) => !!p && Number.isInteger((p as { line?: unknown }).line) && Number.isInteger((p as { character?: unknown }).character);
  return ok((range as { start?: unknown }).start) && ok((range as { end?: unknown }).end);
}
