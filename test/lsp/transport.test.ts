/**
 * The hardened wire (lsp/transport.ts): malformed frames are skipped and reading goes on, bad bodies are
 * answered, and the lifecycle is enforced in front of the handlers. In process, byte by byte where it
 * matters; test/lsp/stdio-hostile.test.ts does the same against a spawned `m4c lsp`.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Message, MessageWriter } from 'vscode-languageserver/node';
import { FrameReader, LifecycleGate, MAX_FRAME_BYTES } from '../../lsp/transport.ts';

const frame = (o: unknown) => {
  const b = Buffer.from(typeof o === 'string' ? o : JSON.stringify(o));
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`), b]);
};
const req = (id: number, method: string, params: unknown = {}) => ({ jsonrpc: '2.0', id, method, params });

function reader() {
  const got: unknown[] = [];
  const bad: string[] = [];
  const answered: { code: number; id: unknown }[] = [];
  const fatal: string[] = [];
  const r = new FrameReader(new PassThrough(), {
    badFrame: (reason) => bad.push(reason),
    badMessage: (code, _m, id) => answered.push({ code, id }),
    fatal: (reason) => fatal.push(reason),
  });
  r.listen((m) => got.push(m));
  return { r, got, bad, answered, fatal };
}

describe('FrameReader', () => {
  it('reads frames split at every byte', () => {
    const { r, got } = reader();
    const bytes = Buffer.concat([frame(req(1, 'a')), frame(req(2, 'b'))]);
    for (const b of bytes) r.push(Buffer.of(b));
    expect(got).toEqual([req(1, 'a'), req(2, 'b')]);
  });

  it.each([
    ['no Content-Length', 'Foo: bar\r\n\r\n{}'],
    ['Content-Length: abc', 'Content-Length: abc\r\n\r\n{}'],
    ['Content-Length: -5', 'Content-Length: -5\r\n\r\n{}'],
    ['text before a frame', 'hello world\n'],
    ['binary noise', '\u0000\u0001\u00ff\r\n\r\n'],
  ])('skips %s, says so once, and reads the next frame', (_what, garbage) => {
    const { r, got, bad } = reader();
    r.push(Buffer.from(garbage, 'latin1'));
    r.push(frame(req(1, 'initialize')));
    expect(got).toEqual([req(1, 'initialize')]);
    expect(bad).toHaveLength(1);
  });

  it('recovers when the garbage and the next frame come in one chunk', () => {
    const { r, got, bad } = reader();
    r.push(Buffer.concat([Buffer.from('Content-Length: x\r\n\r\nnoise'), frame(req(3, 'x')), frame(req(4, 'y'))]));
    expect(got).toEqual([req(3, 'x'), req(4, 'y')]);
    expect(bad).toHaveLength(1);
  });

  it('answers a body that is not JSON with -32700 and one that is not a message with -32600', () => {
    const { r, got, answered } = reader();
    r.push(frame('{abc}'));
    r.push(frame('[1,2]'));
    r.push(frame({ jsonrpc: '1.0', id: 9, method: 'x' }));
    r.push(frame(req(5, 'ok')));
    expect(answered).toEqual([
      { code: -32700, id: null },
      { code: -32600, id: null },
      { code: -32600, id: 9 },
    ]);
    expect(got).toEqual([req(5, 'ok')]);
  });

  it('skips 64 KiB without a header end instead of buffering forever', () => {
    const { r, got, bad } = reader();
    r.push(Buffer.alloc(70_000, 0x61));
    r.push(frame(req(1, 'a')));
    expect(bad).toHaveLength(1);
    expect(got).toEqual([req(1, 'a')]);
  });

  it('gives up on a frame over the size limit', () => {
    const { r, fatal } = reader();
    r.push(Buffer.from(`Content-Length: ${MAX_FRAME_BYTES + 1}\r\n\r\n`));
    expect(fatal).toHaveLength(1);
  });
});

describe('LifecycleGate', () => {
  function gate() {
    const { r, got } = reader();
    const written: Message[] = [];
    const writer = {
      write: (m: Message) => {
        written.push(m);
        return Promise.resolve();
      },
    } as unknown as MessageWriter;
    const g = new LifecycleGate(r, writer);
    const passed: unknown[] = [];
    g.listen((m) => passed.push(m));
    const send = (m: unknown) => r.push(frame(m));
    return { send, passed, written, got };
  }
  const errorOf = (m: Message) => m as unknown as { id: unknown; error: { code: number } };

  it('answers requests before initialize with -32002 and drops notifications, but lets exit through', () => {
    const { send, passed, written } = gate();
    send(req(1, 'textDocument/hover'));
    send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: {} });
    send({ jsonrpc: '2.0', method: 'exit' });
    expect(written.map(errorOf)).toEqual([{ jsonrpc: '2.0', id: 1, error: expect.objectContaining({ code: -32002 }) }]);
    expect(passed).toEqual([{ jsonrpc: '2.0', method: 'exit' }]);
  });

  it('passes initialize once; a second one gets -32600; after shutdown only exit passes', () => {
    const { send, passed, written } = gate();
    send(req(1, 'initialize'));
    send(req(2, 'initialize'));
    send(req(3, 'textDocument/hover'));
    send(req(4, 'shutdown'));
    send(req(5, 'textDocument/hover'));
    send({ jsonrpc: '2.0', method: 'textDocument/didChange', params: {} });
    send({ jsonrpc: '2.0', method: 'exit' });
    expect((passed as { method: string }[]).map((m) => m.method)).toEqual(['initialize', 'textDocument/hover', 'shutdown', 'exit']);
    expect(written.map((m) => [errorOf(m).id, errorOf(m).error.code])).toEqual([
      [2, -32600],
      [5, -32600],
    ]);
  });
});
