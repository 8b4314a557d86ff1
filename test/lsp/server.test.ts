/**
 * The server's wiring, in process (memory streams): the document lifecycle and debounced diagnostics,
 * requests answered from the current text, model files changing on disk, and bad input in any order —
 * the server answers with an empty result or an error response and keeps serving.
 */
import { copyFileSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureBaseDir } from '../support/compiler-harness.ts';
import { BASE, edit, fixtureUri, inProcessServer, positionOf, type InProcess } from './lsp-helpers.ts';

let s: InProcess;
beforeEach(async () => {
  s = await inProcessServer();
});
afterEach(() => s.close());

const open = (uri: string, text: string, version = 1) =>
  s.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'm4', version, text } });
const replaceAll = (uri: string, text: string, version: number) =>
  s.client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
const hoverAt = (uri: string, src: string) =>
  s.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: positionOf(src).position }) as Promise<{
    contents: { value: string };
  } | null>;

describe('document lifecycle', () => {
  it('publishes diagnostics on open and after each change, with the document version', async () => {
    const uri = fixtureUri('life.m4');
    const first = s.nextDiagnostics(uri, 1);
    await open(uri, BASE);
    expect((await first).diagnostics).toEqual([]);
    const second = s.nextDiagnostics(uri, 2);
    await replaceAll(uri, edit('v1(x: s)', 'v1(x: ss)'), 2);
    expect((await second).diagnostics.map((d) => d.code)).toEqual(['M1001']);
    const closed = s.nextDiagnostics(uri);
    await s.client.sendNotification('textDocument/didClose', { textDocument: { uri } });
    expect((await closed).diagnostics).toEqual([]);
  });

  it('applies incremental edits', async () => {
    const uri = fixtureUri('incremental.m4');
    await open(uri, BASE);
    const v2 = s.nextDiagnostics(uri, 2);
    // Line 18 is `output o = t`: replace `t` with `nosuch`.
    await s.client.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 18, character: 11 }, end: { line: 18, character: 12 } }, text: 'nosuch' }],
    });
    expect((await v2).diagnostics.map((d) => d.message.split('\n')[0])).toEqual(['unknown name `nosuch`']);
  });

  it('coalesces a burst of edits into few compilations, ending with the last version', async () => {
    const uri = fixtureUri('burst.m4');
    const opened = s.nextDiagnostics(uri, 1);
    await open(uri, BASE);
    await opened;
    const last = s.nextDiagnostics(uri, 31);
    for (let v = 2; v <= 31; v++) void replaceAll(uri, `${BASE}// edit ${v}\n`, v);
    await last;
    const published = s.received.filter((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as { uri: string }).uri === uri);
    expect(published.length).toBeLessThan(10);
  });

  it('answers requests from the current text at once, without waiting for the debounce', async () => {
    const uri = fixtureUri('fresh.m4');
    await open(uri, BASE);
    const changed = edit('node s = standardize(x, mean: 0.0, std: 1.0)', 'node s = column(x, index: 0)');
    await replaceAll(uri, changed, 2);
    const h = await hoverAt(uri, edit('node s =', 'node |s =', changed));
    expect(h!.contents.value).toContain('node s: f32[batch]');
  });
});

describe('model files changing on disk', () => {
  it('re-reads a model when the client reports watched files changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-lsp-watch-'));
    mkdirSync(join(dir, 'models'));
    const uri = pathToFileURL(join(dir, 'watched.m4')).href;
    const src = 'input x: f32[batch, 4]\nmodel m = onnx("models/m.onnx")\noutput o = m(x: x).probabilities\n';
    const missing = s.nextDiagnostics(uri, 1);
    await open(uri, src);
    expect((await missing).diagnostics.map((d) => d.code)).toContain('M2001');

    copyFileSync(join(fixtureBaseDir(), 'models/binary.onnx'), join(dir, 'models/m.onnx'));
    const found = s.nextDiagnostics(uri, 1);
    await s.client.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: pathToFileURL(join(dir, 'models/m.onnx')).href, type: 1 }],
    });
    expect((await found).diagnostics).toEqual([]);
    expect((await hoverAt(uri, src.replace('output o', 'output |o')))!.contents.value).toContain('f32[batch, 2]');

    // The file is replaced by a model with three classes: the hover follows.
    copyFileSync(join(fixtureBaseDir(), 'models/multiclass.onnx'), join(dir, 'models/m.onnx'));
    const replaced = s.nextDiagnostics(uri, 1);
    await s.client.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: pathToFileURL(join(dir, 'models/m.onnx')).href, type: 2 }],
    });
    await replaced;
    expect((await hoverAt(uri, src.replace('output o', 'output |o')))!.contents.value).toContain('f32[batch, 3]');

    writeFileSync(join(dir, 'models/m.onnx'), 'not a model');
    const broken = s.nextDiagnostics(uri, 1);
    await s.client.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: pathToFileURL(join(dir, 'models/m.onnx')).href, type: 2 }],
    });
    expect((await broken).diagnostics.map((d) => d.code)).toContain('M2002');
  });
});

describe('bad input, any order', () => {
  it('answers requests about documents never opened with empty results', async () => {
    const uri = fixtureUri('never-opened.m4');
    const position = { line: 0, character: 0 };
    expect(await s.client.sendRequest('textDocument/hover', { textDocument: { uri }, position })).toBeNull();
    expect(await s.client.sendRequest('textDocument/completion', { textDocument: { uri }, position })).toEqual([]);
    expect(await s.client.sendRequest('textDocument/definition', { textDocument: { uri }, position })).toBeNull();
    expect(await s.client.sendRequest('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration: true } })).toEqual(
      [],
    );
    expect(await s.client.sendRequest('textDocument/rename', { textDocument: { uri }, position, newName: 'x' })).toBeNull();
    expect(await s.client.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })).toEqual([]);
    expect(await s.client.sendRequest('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
    expect(
      await s.client.sendRequest('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: position, end: position },
        context: { diagnostics: [] },
      }),
    ).toEqual([]);
  });

  it('ignores edits and closes of unknown documents', async () => {
    await s.client.sendNotification('textDocument/didChange', {
      textDocument: { uri: 'file:///unknown.m4', version: 3 },
      contentChanges: [{ text: 'node a = b' }],
    });
    await s.client.sendNotification('textDocument/didClose', { textDocument: { uri: 'file:///unknown.m4' } });
    expect(
      await s.client.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///unknown.m4' }, position: { line: 0, character: 5 } }),
    ).toBeNull();
  });

  it('answers out-of-range and malformed positions and parameters with empty results', async () => {
    const uri = fixtureUri('ranges.m4');
    await open(uri, BASE);
    const hover = (params: unknown) => s.client.sendRequest('textDocument/hover', params);
    expect(await hover({ textDocument: { uri }, position: { line: 10_000, character: 0 } })).toBeNull();
    expect(await hover({ textDocument: { uri }, position: { line: -1, character: 0 } })).toBeNull();
    expect(await hover({ textDocument: { uri }, position: { line: 1.5, character: 0 } })).toBeNull();
    expect(await hover({ textDocument: { uri }, position: { line: 'one', character: null } })).toBeNull();
    expect(await hover({ textDocument: { uri } })).toBeNull();
    expect(await hover({ textDocument: { uri: 42 } })).toBeNull();
    expect(await s.client.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 5, character: 999 } })).toBeInstanceOf(
      Array,
    );
    expect(await s.client.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: null })).toEqual([]);
    await s.client.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 900, character: 0 }, end: { line: -4, character: 3 } }, text: '//' }],
    });
    await s.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: 'nonsense' });
    await s.client.sendNotification('textDocument/didOpen', { textDocument: { uri: fixtureUri('no-text.m4') } });
    // Still serving, and the document is still usable.
    await replaceAll(uri, BASE, 4);
    expect((await hoverAt(uri, edit('node s =', 'node |s =')))!.contents.value).toContain('node s: f32[batch, 4]');
  });

  it('answers a refused rename with an error response carrying the reason', async () => {
    const uri = fixtureUri('refused.m4');
    await open(uri, BASE);
    const request = s.client.sendRequest('textDocument/rename', {
      textDocument: { uri },
      position: positionOf(edit('node s =', 'node |s =')).position,
      newName: 'sigmoid',
    });
    await expect(request).rejects.toThrow('`sigmoid` is a stdlib op');
  });

  it('answers unknown methods with MethodNotFound and keeps serving', async () => {
    await expect(s.client.sendRequest('m4/noSuchThing', {})).rejects.toMatchObject({ code: -32601 });
    const stats = (await s.client.sendRequest('m4/memoryUsage')) as { heapUsed: number; rss: number };
    expect(stats.heapUsed).toBeGreaterThan(0);
  });

  it('reports its CPU time in m4/memoryUsage, and collects nothing when asked not to', async () => {
    type Usage = { heapUsed: number; afterGc: boolean; cpuMicros: number };
    const first = (await s.client.sendRequest('m4/memoryUsage', { collect: false })) as Usage;
    const second = (await s.client.sendRequest('m4/memoryUsage', { collect: false })) as Usage;
    expect(first.afterGc).toBe(false);
    expect(first.cpuMicros).toBeGreaterThan(0);
    expect(second.cpuMicros).toBeGreaterThanOrEqual(first.cpuMicros);
  });

  it('survives any text: every capability on random documents and positions', async () => {
    const uri = fixtureUri('random.m4');
    const texts = [
      '',
      '{{{{',
      'node = = =',
      'compare c { gate . . >= at % sink (',
      '`unterminated',
      '"str',
      '/*',
      `${BASE.slice(0, 200)}`,
      'input x: f32[\u00e9]\nnode 😀 = x',
    ];
    await open(uri, texts[0]!);
    let version = 1;
    for (const text of texts) {
      await replaceAll(uri, text, ++version);
      const lines = text.split('\n');
      for (let line = 0; line < lines.length + 1; line++) {
        for (const character of [0, 1, 3, 8, 200]) {
          const position = { line, character };
          const results = await Promise.all([
            s.client.sendRequest('textDocument/hover', { textDocument: { uri }, position }),
            s.client.sendRequest('textDocument/completion', { textDocument: { uri }, position }),
            s.client.sendRequest('textDocument/definition', { textDocument: { uri }, position }),
            s.client.sendRequest('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration: true } }),
            s.client.sendRequest('textDocument/prepareRename', { textDocument: { uri }, position }),
          ]);
          expect(results).toHaveLength(5);
        }
      }
      await s.client.sendRequest('textDocument/documentSymbol', { textDocument: { uri } });
      await s.client.sendRequest('textDocument/foldingRange', { textDocument: { uri } });
      await s.client.sendRequest('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    }
    expect(s.received.filter((n) => n.method === 'window/logMessage')).toEqual([]);
  });
});
