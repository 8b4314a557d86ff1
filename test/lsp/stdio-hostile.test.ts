/**
 * `m4c lsp` as a process, fed what broken clients send: frames without or with a bad Content-Length, text
 * before a frame, bodies that are not JSON, requests out of lifecycle order, non-integer versions. The
 * server must keep answering (never alive but deaf) and end with the exit code the protocol asks for.
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { M4C, ROOT } from '../support/run-cli.ts';

const frame = (o: unknown) => {
  const b = Buffer.from(typeof o === 'string' ? o : JSON.stringify(o));
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`), b]);
};

interface Reply {
  id?: unknown;
  method?: string;
  params?: { version?: number; diagnostics?: unknown[] };
  result?: unknown;
  error?: { code: number; message: string };
}

function session() {
  const child = spawn(process.execPath, [M4C, 'lsp', '--debounce', '0'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = Buffer.alloc(0);
  let stderr = '';
  const replies: Reply[] = [];
  const waiters: { pred: (r: Reply) => boolean; resolve: (r: Reply) => void }[] = [];
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    out = Buffer.concat([out, d]);
    for (;;) {
      const end = out.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(out.subarray(0, end).toString())![1]);
      if (out.length < end + 4 + len) return;
      const msg = JSON.parse(out.subarray(end + 4, end + 4 + len).toString()) as Reply;
      out = out.subarray(end + 4 + len);
      replies.push(msg);
      for (const w of waiters.splice(0)) w.pred(msg) ? w.resolve(msg) : waiters.push(w);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    send: (b: Buffer | string) => child.stdin.write(b),
    reply: (pred: (r: Reply) => boolean) => {
      const seen = replies.find(pred);
      return seen ? Promise.resolve(seen) : new Promise<Reply>((resolve) => waiters.push({ pred, resolve }));
    },
    replies,
    exited,
    stderr: () => stderr,
    child,
  };
}

describe('m4c lsp on hostile input', () => {
  it('skips malformed frames, answers bad bodies and out-of-order requests, and keeps serving', async () => {
    const s = session();
    try {
      s.send('Foo: bar\r\n\r\n{}');
      s.send('Content-Length: abc\r\n\r\n{}');
      s.send('Content-Length: -5\r\n\r\n');
      s.send('some text a plugin printed\n');
      s.send(frame({ jsonrpc: '2.0', id: 1, method: 'textDocument/hover', params: {} }));
      s.send(frame('{not json'));
      s.send(frame({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));
      expect((await s.reply((r) => r.id === 1)).error?.code).toBe(-32002);
      expect((await s.reply((r) => r.id === null)).error?.code).toBe(-32700);
      expect((await s.reply((r) => r.id === 2)).result).toMatchObject({ capabilities: { hoverProvider: true } });
      s.send(frame({ jsonrpc: '2.0', id: 3, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));
      expect((await s.reply((r) => r.id === 3)).error?.code).toBe(-32600);
      s.send(frame({ jsonrpc: '2.0', method: 'initialized', params: {} }));

      const uri = pathToFileURL(join(ROOT, 'test/fixtures/hostile.m4')).href;
      s.send(
        frame({
          jsonrpc: '2.0',
          method: 'textDocument/didOpen',
          params: { textDocument: { uri, languageId: 'm4', version: 1, text: 'node a = b\n' } },
        }),
      );
      const first = await s.reply((r) => r.method === 'textDocument/publishDiagnostics' && r.params?.version === 1);
      expect(first.params!.diagnostics!.length).toBeGreaterThan(0);
      // A change with a non-integer version is refused (logged), a later valid one is applied.
      s.send(
        frame({
          jsonrpc: '2.0',
          method: 'textDocument/didChange',
          params: { textDocument: { uri, version: 1.5 }, contentChanges: [{ text: 'garbage (' }] },
        }),
      );
      s.send(
        frame({
          jsonrpc: '2.0',
          method: 'textDocument/didChange',
          params: { textDocument: { uri, version: 2 }, contentChanges: [{ text: 'input x: f32[batch, 2]\noutput y = x\n' }] },
        }),
      );
      const second = await s.reply((r) => r.method === 'textDocument/publishDiagnostics' && r.params?.version === 2);
      expect(second.params!.diagnostics).toEqual([]);
      expect(s.replies.some((r) => r.method === 'textDocument/publishDiagnostics' && r.params?.version !== 1 && r.params?.version !== 2)).toBe(false);

      s.send(frame({ jsonrpc: '2.0', id: 4, method: 'shutdown' }));
      expect(await s.reply((r) => r.id === 4)).toMatchObject({ result: null });
      s.send(frame({ jsonrpc: '2.0', id: 5, method: 'textDocument/hover', params: { textDocument: { uri }, position: { line: 0, character: 0 } } }));
      expect((await s.reply((r) => r.id === 5)).error?.code).toBe(-32600);
      s.send(frame({ jsonrpc: '2.0', method: 'exit' }));
      expect(await s.exited).toBe(0);
      expect(s.stderr()).toContain('skipped input that is not an LSP frame (no Content-Length header)');
      expect(s.stderr()).toContain('is not a non-negative integer');
      expect(s.stderr()).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      if (s.child.exitCode === null) s.child.kill();
    }
  });

  it('says why and exits 1 on a frame it cannot skip', async () => {
    const s = session();
    s.send(`Content-Length: ${300 * 1024 * 1024}\r\n\r\n`);
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toMatch(/over the \d+-byte limit; exiting/);
  });
});
