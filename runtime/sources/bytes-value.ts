/**
 * How a `bytes` input is read from a data row: the shared mapping that JSONL, CSV and `m4c serve`
 * requests all go through.
 *
 * - A JSON string or CSV cell holds base64 (the standard alphabet or the URL-safe one, padded or not),
 *   optionally as a data URL (`data:image/png;base64,...`), so a row written by
 *   `base64.b64encode(open(p, "rb").read()).decode()` or by a browser's `FileReader` both work.
 * - A `Uint8Array` (a serve request's raw body or multipart part) is taken as it is.
 *
 * Node's own base64 decoder silently skips characters outside the alphabet, which would turn a
 * corrupted field into a different, plausible byte string; the text is validated first so such a row
 * is a `bad-base64` bad row instead.
 */

const DATA_URL = /^data:[^,;]*(?:;[^,;]*)*;base64,/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** The bytes a base64 text stands for, or `null` when it is not valid base64. */
export function decodeBase64Text(text: string): Uint8Array | null {
  let s = text;
  if (s.startsWith('data:')) {
    const m = DATA_URL.exec(s);
    if (m === null) return null;
    s = s.slice(m[0].length);
  }
  // Line breaks are legal in MIME base64 (76-character lines); other whitespace is not.
  if (s.includes('\n') || s.includes('\r')) s = s.replace(/\r?\n/g, '');
  if (!BASE64.test(s)) return null;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  if (pad > 0 && s.length % 4 !== 0) return null;
  if (s.length % 4 === 1) return null;
  const buf = Buffer.from(s, 'base64');
  // A view into Buffer's pool must not leak into a batch (batches may be transferred): copy when pooled.
  return buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength ? new Uint8Array(buf.buffer) : new Uint8Array(buf);
}

/** A `bytes` value from a parsed row value: a base64 string or raw bytes; `null` for anything else. */
export function bytesOfValue(v: unknown): Uint8Array | null | 'not-text' {
  if (typeof v === 'string') return decodeBase64Text(v);
  if (v instanceof Uint8Array) return v;
  return 'not-text';
}
