/**
 * The language server's side of the wire, hardened against what a broken or hostile client sends.
 *
 * vscode-jsonrpc's stream reader stops reading for good after one frame without a valid `Content-Length`
 * (the server stays alive but deaf) and drops a body that is not JSON without answering. Editors do send
 * such things (a plugin printing to the server's stdin, a half-written frame after a crash), so:
 *
 * - {@link FrameReader} parses `Content-Length` frames itself. A header block that is not a valid frame
 *   header (no `Content-Length`, a value that is not a non-negative integer, text before the first header)
 *   is reported once per occurrence and skipped up to the next `Content-Length:`; reading goes on. A body
 *   that is not JSON is answered with a JSON-RPC -32700 (Parse error), one that is JSON but not a message
 *   with -32600 (Invalid Request). A frame longer than {@link MAX_FRAME_BYTES} cannot be skipped safely, so
 *   the server says so and exits 1.
 * - {@link LifecycleGate} enforces the LSP lifecycle in front of the handlers: requests before
 *   `initialize` get -32002 (ServerNotInitialized) and notifications are dropped (but `exit`); a second
 *   `initialize` gets -32600; after `shutdown` every request gets -32600 and only `exit` is honoured.
 */
import {
  AbstractMessageReader,
  ErrorCodes,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';

/** Larger frames are refused: 256 MiB is far above any document an editor sends. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^content-length$/i;
const NEXT_FRAME = Buffer.from('Content-Length:');

export interface FrameReaderHooks {
  /** A header block that is not a frame header was skipped (`excerpt` is its start, printable). */
  badFrame(reason: string, excerpt: string): void;
  /** A body that is not JSON (-32700) or not a JSON-RPC message (-32600) arrived. */
  badMessage(code: number, message: string, id: number | string | null): void;
  /** A frame that cannot be read or skipped: the connection is over. */
  fatal(reason: string): void;
}

/** A `MessageReader` over a byte stream that survives malformed frames (see the file comment). */
export class FrameReader extends AbstractMessageReader implements MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  private callback: DataCallback | undefined;
  private contentLength = -1;

  constructor(
    private readonly readable: NodeJS.ReadableStream,
    private readonly hooks: FrameReaderHooks,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer) => this.push(chunk);
    const onEnd = () => this.fireClose();
    const onError = (err: Error) => this.fireError(err);
    this.readable.on('data', onData);
    this.readable.on('end', onEnd);
    this.readable.on('close', onEnd);
    this.readable.on('error', onError);
    return {
      dispose: () => {
        this.readable.off('data', onData);
        this.readable.off('end', onEnd);
        this.readable.off('close', onEnd);
        this.readable.off('error', onError);
      },
    };
  }

  /** Feed bytes (the stream's chunks; exposed for tests). */
  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.contentLength < 0 && !this.readHeader()) return;
      if (this.buffer.length < this.contentLength) return;
      const body = this.buffer.subarray(0, this.contentLength);
      this.buffer = this.buffer.subarray(this.contentLength);
      this.contentLength = -1;
      this.deliver(body);
    }
  }

  /** Parse one header block; false when more bytes are needed (or the connection is over). */
  private readHeader(): boolean {
    for (;;) {
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0) {
        // No header end yet. A client never sends 64 KiB of headers: that is garbage, skip it.
        if (this.buffer.length > 65_536) this.skip('no header end within 64 KiB');
        return false;
      }
      const header = this.buffer.subarray(0, end).toString('latin1');
      const verdict = parseHeader(header);
      if (typeof verdict === 'number') {
        if (verdict > MAX_FRAME_BYTES) {
          this.hooks.fatal(`a frame of ${verdict} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
          this.buffer = Buffer.alloc(0);
          return false;
        }
        this.buffer = this.buffer.subarray(end + HEADER_END.length);
        this.contentLength = verdict;
        return true;
      }
      this.skip(verdict);
    }
  }

  /** Report the bytes at the front as a bad frame and drop them up to the next `Content-Length:`. */
  private skip(reason: string): void {
    const next = indexOfIgnoreCase(this.buffer, NEXT_FRAME, 1);
    const shown = this.buffer.subarray(0, Math.min(60, next >= 0 ? next : this.buffer.length));
    this.hooks.badFrame(
      reason,
      shown.toString('latin1').replace(/[^\x20-\x7e]/g, (c) => JSON.stringify(c).slice(1, -1)),
    );
    // Without a next frame keep only a tail that may be the start of one split across chunks.
    this.buffer = next >= 0 ? this.buffer.subarray(next) : this.buffer.subarray(this.buffer.length - frameStartSuffix(this.buffer));
  }

  private deliver(body: Buffer): void {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (err) {
      this.hooks.badMessage(ErrorCodes.ParseError, `Parse error: ${(err as Error).message}`, null);
      return;
    }
    if (!isMessage(value)) {
      const id = value && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
      this.hooks.badMessage(
        ErrorCodes.InvalidRequest,
        'Invalid Request: not a JSON-RPC 2.0 message',
        typeof id === 'number' || typeof id === 'string' ? id : null,
      );
      return;
    }
    this.callback?.(value);
  }
}

/** The content length of a valid header block, or why it is not one. */
function parseHeader(header: string): number | string {
  let length: number | string = 'no Content-Length header';
  for (const line of header.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[A-Za-z][A-Za-z0-9-]*$/.test(line.slice(0, colon))) return `not a header line: ${JSON.stringify(line.slice(0, 40))}`;
    if (!CONTENT_LENGTH.test(line.slice(0, colon))) continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,12}$/.test(value)) return `Content-Length ${JSON.stringify(value.slice(0, 20))} is not a non-negative integer`;
    length = Number(value);
  }
  return length;
}

function isMessage(v: unknown): v is Message {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const m = v as { jsonrpc?: unknown; method?: unknown; id?: unknown; result?: unknown; error?: unknown };
  if (m.jsonrpc !== '2.0') return false;
  if (m.method !== undefined)
    return typeof m.method === 'string' && (m.id === undefined || m.id === null || typeof m.id === 'number' || typeof m.id === 'string');
  return m.id !== undefined && ('result' in m || 'error' in m);
}

/** Length of the longest suffix of `buf` that is a (case-insensitive) proper prefix of `Content-Length:`. */
function frameStartSuffix(buf: Buffer): number {
  const want = NEXT_FRAME.toString('latin1').toLowerCase();
  for (let n = Math.min(buf.length, want.length - 1); n > 0; n--) {
    if (
      buf
        .subarray(buf.length - n)
        .toString('latin1')
        .toLowerCase() === want.slice(0, n)
    )
      return n;
  }
  return 0;
}

function indexOfIgnoreCase(buf: Buffer, needle: Buffer, from: number): number {
  const lower = Buffer.from(needle.toString('latin1').toLowerCase(), 'latin1');
  const upper = Buffer.from(needle.toString('latin1').toUpperCase(), 'latin1');
  outer: for (let i = from; i + needle.length <= buf.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      const c = buf[i + j];
      if (c !== lower[j] && c !== upper[j]) continue outer;
    }
    return i;
  }
  return -1;
}

type LifecycleState = 'new' | 'initialized' | 'shutdown';

/**
 * A `MessageReader` in front of another that answers what the LSP lifecycle forbids itself (see the file
 * comment), so no handler ever runs before `initialize` or after `shutdown`.
 */
export class LifecycleGate extends AbstractMessageReader implements MessageReader {
  private state: LifecycleState = 'new';

  constructor(
    private readonly inner: MessageReader,
    private readonly writer: MessageWriter,
  ) {
    super();
    inner.onError((e) => this.fireError(e));
    inner.onClose(() => this.fireClose());
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message) => {
      const m = message as { method?: string; id?: number | string | null };
      if (typeof m.method !== 'string') return callback(message); // responses to our own requests
      const isRequest = m.id !== undefined && m.id !== null;
      if (m.method === 'exit') return callback(message);
      const refuse = (code: number, text: string) => {
        if (isRequest) void this.writer.write({ jsonrpc: '2.0', id: m.id!, error: { code, message: text } } as Message);
      };
      if (this.state === 'new') {
        if (m.method === 'initialize' && isRequest) {
          this.state = 'initialized';
          return callback(message);
        }
        return refuse(ErrorCodes.ServerNotInitialized, `the server is not initialized: send \`initialize\` before \`${m.method}\``);
      }
      if (this.state === 'shutdown')
        return refuse(ErrorCodes.InvalidRequest, `the server is shut down: only \`exit\` is accepted, not \`${m.method}\``);
      if (m.method === 'initialize')
        return refuse(ErrorCodes.InvalidRequest, '`initialize` was already received: the server is initialized once per connection');
      if (m.method === 'shutdown' && isRequest) this.state = 'shutdown';
      return callback(message);
    });
  }
}
