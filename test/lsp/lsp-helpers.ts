/**
 * Helpers for language-server tests: inline sources with a cursor marker (`node a = sig|moid(x)`), compiled
 * as a document next to the ONNX fixtures (`models/*.onnx`), and an in-process server on memory streams.
 */
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import type { Position } from 'vscode-languageserver';
import { analyzeText, type Analysis } from '../../lsp/analysis.ts';
import { startLanguageServer, type LanguageServer, type ServerOptions } from '../../lsp/server.ts';
import { fixtureBaseDir } from '../support/compiler-harness.ts';

export const MARK = '|';

/** Split the first `|` out of `src`: the text and the cursor's offset. */
export function cursor(src: string): { text: string; offset: number } {
  const offset = src.indexOf(MARK);
  if (offset === -1) throw new Error('no cursor marker | in the source');
  return { text: src.slice(0, offset) + src.slice(offset + 1), offset };
}

/** The URI of a document in the fixture directory (its model paths resolve to the fixtures). */
export function fixtureUri(name = 'test.m4'): string {
  return pathToFileURL(join(fixtureBaseDir(), name)).href;
}

/** Compile a source with a cursor marker; returns the analysis and the cursor offset. */
export function at(src: string): { a: Analysis; offset: number } {
  const { text, offset } = cursor(src);
  return { a: analyzeText(text, fixtureUri()), offset };
}

export function analysisOf(text: string): Analysis {
  return analyzeText(text, fixtureUri());
}

/** The LSP position of the cursor marker. */
export function positionOf(src: string): { text: string; position: Position } {
  const { text, offset } = cursor(src);
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { text, position: { line, character: offset - (before.lastIndexOf('\n') + 1) } };
}

export interface InProcess {
  client: MessageConnection;
  server: LanguageServer;
  /** Notifications the server sent, by method. */
  received: { method: string; params: unknown }[];
  /** The next `textDocument/publishDiagnostics` for `uri` (optionally of one version). */
  nextDiagnostics(
    uri: string,
    version?: number,
  ): Promise<{ uri: string; version?: number; diagnostics: { code?: string | number; message: string }[] }>;
  close(): void;
}

/** A server and a client joined by memory streams, initialized. */
export async function inProcessServer(options: ServerOptions = {}): Promise<InProcess> {
  const up = new PassThrough();
  const down = new PassThrough();
  const connection = createConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  const server = startLanguageServer(connection, options);
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const received: InProcess['received'] = [];
  const waiters: { uri: string; version?: number; resolve: (p: never) => void }[] = [];
  client.onNotification((method, params) => {
    received.push({ method, params });
    if (method !== 'textDocument/publishDiagnostics') return;
    const p = params as { uri: string; version?: number };
    const i = waiters.findIndex((w) => w.uri === p.uri && (w.version === undefined || w.version === p.version));
    if (i !== -1) waiters.splice(i, 1)[0]!.resolve(p as never);
  });
  client.listen();
  await client.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
  client.sendNotification('initialized', {});
  return {
    client,
    server,
    received,
    nextDiagnostics: (uri, version) => new Promise((resolve) => waiters.push({ uri, version, resolve })),
    close: () => {
      server.dispose();
      client.dispose();
      connection.dispose();
      up.destroy();
      down.destroy();
    },
  };
}

/** A complete, error-free graph over the ONNX fixtures; tests put a cursor marker into it. */
export const BASE = `input x: f32[batch, 4]
input label: i64[batch]
input region: str[batch]
model v1 = onnx("models/binary.onnx")
model v2 = onnx("models/mlp.onnx")
node s = standardize(x, mean: 0.0, std: 1.0)
node c = column(v1(x: s).probabilities, index: 1)
node t = column(v2(x: s).probabilities, index: 1)
compare ab {
  control: c
  treatment: t
  label: label
  task: binary(threshold: 0.5)
  metrics: [accuracy, auroc]
  slice_by: region
  gate auroc.delta >= -0.01
  sink sqlite("results/ab.db")
}
output o = t
`;

/** BASE with `find` replaced by `replace` (which holds the cursor marker); fails loudly if `find` is absent. */
export function edit(find: string, replace: string, base = BASE): string {
  if (!base.includes(find)) throw new Error(`${JSON.stringify(find)} is not in the source`);
  return base.replace(find, replace);
}
