/**
 * The language server as editors run it: `node bin/m4c.js lsp` in its own process, JSON-RPC over stdio
 * (vscode-jsonrpc), from initialize to exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { M4C, ROOT } from '../support/run-cli.ts';
import { fixtureBaseDir } from '../support/compiler-harness.ts';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

interface Published {
  uri: string;
  version?: number;
  diagnostics: { code?: string; severity?: number; message: string }[];
}

const SOURCE = `input x: f32[batch, 4]
input label: i64[batch]
model v1 = onnx("models/binary.onnx")
node  s=standardize(x,mean:0.0, std:1.0)
node c = column(v1(x: s).probabilities, index: 1)
compare ab {
  control: c
  treatment: c
  label: label
  task: binary(threshold: 0.5)
}
`;

describe('m4c lsp over stdio', () => {
  let child: ChildProcess;
  let rpc: MessageConnection;
  let stderr = '';
  const published: Published[] = [];
  const waiters: { version: number; resolve: (p: Published) => void }[] = [];
  const uri = () => pathToFileURL(join(fixtureBaseDir(), 'e2e.m4')).href;
  const diagnosticsOf = (version: number) => {
    const seen = published.find((p) => p.version === version);
    return seen ? Promise.resolve(seen) : new Promise<Published>((resolve) => waiters.push({ version, resolve }));
  };
  let exited: Promise<number | null>;

  beforeAll(() => {
    child = spawn(process.execPath, [M4C, 'lsp'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    rpc = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    rpc.onNotification('textDocument/publishDiagnostics', (p: Published) => {
      published.push(p);
      for (const w of waiters.filter((x) => x.version === p.version)) w.resolve(p);
    });
    rpc.listen();
  });
  afterAll(() => {
    rpc.dispose();
    if (child.exitCode === null) child.kill();
  });

  it('serves a whole session and exits with code 0', async () => {
    const init = (await rpc.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(fixtureBaseDir()).href,
      capabilities: {},
    })) as { capabilities: Record<string, unknown> };
    expect(init.capabilities).toMatchObject({
      hoverProvider: true,
      definitionProvider: true,
      renameProvider: { prepareProvider: true },
      documentFormattingProvider: true,
    });
    await rpc.sendNotification('initialized', {});

    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(), languageId: 'm4', version: 1, text: SOURCE } });
    const first = await diagnosticsOf(1);
    expect(first.diagnostics.filter((d) => d.severity === 1)).toEqual([]);

    // Line 4 (0-based): `node c = column(v1(x: s)...`: `s` at character 22 becomes `sx`.
    await rpc.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(), version: 2 },
      contentChanges: [{ range: { start: { line: 4, character: 23 }, end: { line: 4, character: 23 } }, text: 'x' }],
    });
    const broken = await diagnosticsOf(2);
    expect(broken.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'M1001', severity: 1, range: { start: { line: 4, character: 22 }, end: { line: 4, character: 24 } } }),
    );

    await rpc.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(), version: 3 },
      contentChanges: [{ range: { start: { line: 4, character: 23 }, end: { line: 4, character: 24 } }, text: '' }],
    });
    const fixed = await diagnosticsOf(3);
    expect(fixed.diagnostics.filter((d) => d.severity === 1)).toEqual([]);

    const hover = (await rpc.sendRequest('textDocument/hover', { textDocument: { uri: uri() }, position: { line: 4, character: 22 } })) as {
      contents: { value: string };
    };
    expect(hover.contents.value).toContain('node s: f32[batch, 4]');

    const def = await rpc.sendRequest('textDocument/definition', { textDocument: { uri: uri() }, position: { line: 4, character: 22 } });
    expect(def).toEqual({ uri: uri(), range: { start: { line: 3, character: 6 }, end: { line: 3, character: 7 } } });

    // Just after `v1(x: s).`: the ONNX outputs of v1.
    const completion = (await rpc.sendRequest('textDocument/completion', { textDocument: { uri: uri() }, position: { line: 4, character: 25 } })) as {
      label: string;
    }[];
    expect(completion.map((c) => c.label).sort()).toEqual(['label', 'probabilities']);

    const rename = (await rpc.sendRequest('textDocument/rename', {
      textDocument: { uri: uri() },
      position: { line: 3, character: 6 },
      newName: 'scaled',
    })) as { changes: Record<string, { newText: string }[]> };
    expect(rename.changes[uri()]).toHaveLength(2);
    expect(rename.changes[uri()]!.every((e) => e.newText === 'scaled')).toBe(true);

    const edits = (await rpc.sendRequest('textDocument/formatting', {
      textDocument: { uri: uri() },
      options: { tabSize: 2, insertSpaces: true },
    })) as { newText: string }[];
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toContain('node s = standardize(x, mean: 0.0, std: 1.0)');

    // Requests about a document that was never opened get empty answers; the server keeps serving.
    expect(
      await rpc.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///nowhere.m4' }, position: { line: 0, character: 0 } }),
    ).toBeNull();

    await rpc.sendRequest('shutdown');
    await rpc.sendNotification('exit');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
