/**
 * `bytes` inputs through the shared value mapping: base64 (standard, URL-safe, unpadded, data URLs,
 * MIME line breaks) in JSONL and CSV, raw bytes as a serve request would give them, and text that is
 * not base64 counted as `bad-base64` instead of silently decoding to other bytes.
 */
import { describe, expect, it } from 'vitest';
import { bytesOfValue, decodeBase64Text } from '../../../runtime/sources/bytes-value.ts';
import { storeJsonScalar, Problem } from '../../../runtime/sources/json-value-writer.ts';
import { field, readAll, tempDir, writeData } from './source-helpers.ts';

const dir = tempDir();
const BYTES = Uint8Array.from([0, 1, 2, 250, 251, 252, 253, 254, 255, 62, 63]);
const b64 = Buffer.from(BYTES).toString('base64');

describe('base64 text', () => {
  it('decodes the standard and URL-safe alphabets, padded or not, data URLs and MIME lines', () => {
    for (const text of [
      b64,
      b64.replace(/=+$/, ''),
      Buffer.from(BYTES).toString('base64url'),
      `data:image/png;base64,${b64}`,
      `${b64.slice(0, 8)}\r\n${b64.slice(8)}`,
    ]) {
      expect(Array.from(decodeBase64Text(text)!), text).toEqual(Array.from(BYTES));
    }
    expect(Array.from(decodeBase64Text('')!)).toEqual([]);
  });

  it('refuses what Node would silently skip: other characters, bad padding, a lone last character', () => {
    for (const text of ['see attachment!', 'AAAA AAAA', 'AB=C', 'A===', 'AAAAA', 'data:image/png,AAAA', '€€€€']) {
      expect(decodeBase64Text(text), text).toBeNull();
    }
  });

  it("takes raw bytes (a serve request's body) as they are; other JSON values are not bytes", () => {
    expect(bytesOfValue(BYTES)).toBe(BYTES);
    expect(bytesOfValue(3)).toBe('not-text');
    const data: Uint8Array[] = [new Uint8Array(0)];
    expect(storeJsonScalar('bytes', 12, data, 0)).toBe(Problem.NotString);
    expect(storeJsonScalar('bytes', [1, 2], data, 0)).toBe(Problem.IsList);
    expect(storeJsonScalar('bytes', BYTES, data, 0)).toBe(Problem.None);
    expect(data[0]).toBe(BYTES);
  });
});

describe('bytes inputs in data files', () => {
  const inputs = [field('img', 'bytes', ['batch']), field('label', 'i64', ['batch'])];

  it('JSONL: good rows decoded, bad base64 and non-strings counted by reason', async () => {
    const path = writeData(
      dir,
      'b.jsonl',
      [
        `{"img":"${b64}","label":1}`,
        '{"img":"not base64!","label":0}',
        '{"img":17,"label":0}',
        `{"img":"data:image/jpeg;base64,${b64}","label":0}`,
      ].join('\n'),
    );
    const r = await readAll(path, { inputs });
    expect(r.stats.rowsGood).toBe(2);
    expect(r.stats.skipped).toEqual({ 'bad-base64': 1, 'wrong-type': 1 });
    expect(r.stats.examples[0].detail).toBe('field "img" is a string ("not base64!"), which is not base64');
    for (const v of r.values.img) expect(Array.from(v as Uint8Array)).toEqual(Array.from(BYTES));
  });

  it('CSV: a base64 column', async () => {
    const path = writeData(dir, 'b.csv', `img,label\n${b64},1\n%%%,0\n`);
    const r = await readAll(path, { inputs });
    expect(r.stats.rowsGood).toBe(1);
    expect(r.stats.skipped).toEqual({ 'bad-base64': 1 });
    expect(Array.from(r.values.img[0] as Uint8Array)).toEqual(Array.from(BYTES));
  });
});
