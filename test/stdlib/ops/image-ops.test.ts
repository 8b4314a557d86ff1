/**
 * decode_image → resize → to_tensor against sharp's own pipeline run independently on the same bytes
 * (pixel arrays compared exactly), and every kind of bad image rejected as a row by reason.
 */
import sharp from 'sharp';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../stdlib/ops/decode-image.ts';
import type { KernelContext, RowFailureReason } from '../../../stdlib/ops/op-spec.ts';
import { resize } from '../../../stdlib/ops/resize.ts';
import { toTensor } from '../../../stdlib/ops/to-tensor.ts';
import type { Tensor } from '../../../stdlib/types.ts';
import { SeededRandom } from '../../../tools/seeded-random.ts';
import { checkParams, fakeCtx } from './helpers.ts';

type Rejection = { row: number; reason: RowFailureReason };

async function pipeline(
  images: Uint8Array[],
  o: { width: number; height: number; fit?: string; channels?: number; layout?: string; max_pixels?: number },
): Promise<{ out: Tensor; rejected: Rejection[] }> {
  const rejected: Rejection[] = [];
  const ctx: KernelContext = { rejectRow: (row, reason) => rejected.push({ row, reason }) };
  const p = (op: Parameters<typeof checkParams>[0], v: Record<string, unknown>) => checkParams(op, v).params as never;
  const decoded = decodeImage.kernel(
    [{ dtype: 'bytes', data: images, dims: [images.length] }],
    p(decodeImage, { channels: o.channels ?? 3, ...(o.max_pixels ? { max_pixels: o.max_pixels } : {}) }),
    ctx,
  );
  const resized = resize.kernel([decoded], p(resize, { width: o.width, height: o.height, fit: o.fit ?? 'cover' }), ctx);
  const out = await toTensor.kernelAsync!([resized], p(toTensor, { layout: o.layout ?? 'nchw' }), ctx);
  return { out, rejected: rejected.sort((a, b) => a.row - b.row) };
}

/** A w×h RGB image of seeded noise with a gradient, so resizing is not trivial. */
function noiseRgb(w: number, h: number, seed: number): Buffer {
  const rnd = new SeededRandom(seed);
  const b = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    b[i * 3] = Math.floor(rnd.next() * 256);
    b[i * 3 + 1] = ((i % w) * 255) / w;
    b[i * 3 + 2] = (Math.floor(i / w) * 255) / h;
  }
  return b;
}

const raw = (w: number, h: number, c: 1 | 3 | 4, seed: number) => ({ raw: { width: w, height: h, channels: c } }) as const;
const png = (w: number, h: number, seed = 1) =>
  sharp(noiseRgb(w, h, seed), raw(w, h, 3, seed))
    .png()
    .toBuffer();
const jpeg = (w: number, h: number, seed = 1) =>
  sharp(noiseRgb(w, h, seed), raw(w, h, 3, seed))
    .jpeg({ quality: 85 })
    .toBuffer();

/** The same resize in sharp alone: the independent reference. */
async function reference(b: Buffer, w: number, h: number, fit: 'cover' | 'fill' | 'contain', channels: 1 | 3 = 3): Promise<Buffer> {
  let p = sharp(b).resize(w, h, { fit });
  p = channels === 1 ? p.removeAlpha().toColourspace('b-w') : p.removeAlpha().toColourspace('srgb');
  return p.raw().toBuffer();
}

/** A PNG that declares `w × h` pixels in a valid header but holds almost nothing: a decompression bomb. */
function bombPng(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decode_image → resize → to_tensor equals sharp on the same bytes', () => {
  it('PNG and JPEG, nchw, cover: every pixel / 255, channel planes in RGB order', async () => {
    const imgs = [await png(64, 48, 1), await jpeg(80, 60, 2), await png(30, 50, 3)];
    const { out, rejected } = await pipeline(imgs, { width: 32, height: 24 });
    expect(rejected).toEqual([]);
    expect(out.dims).toEqual([3, 3, 24, 32]);
    const data = out.data as Float32Array;
    for (let r = 0; r < imgs.length; r++) {
      const ref = await reference(imgs[r], 32, 24, 'cover');
      const plane = 32 * 24;
      for (let p = 0; p < plane; p++) {
        for (let c = 0; c < 3; c++) expect(data[r * 3 * plane + c * plane + p]).toBe(Math.fround(ref[p * 3 + c] / 255));
      }
    }
  });

  it("nhwc keeps sharp's interleaved order; fill and contain resize as sharp does", async () => {
    const img = await jpeg(50, 70, 4);
    for (const fit of ['fill', 'contain'] as const) {
      const { out } = await pipeline([img], { width: 20, height: 16, fit, layout: 'nhwc' });
      expect(out.dims).toEqual([1, 16, 20, 3]);
      const ref = await reference(img, 20, 16, fit);
      expect(Array.from(out.data as Float32Array)).toEqual(Array.from(ref, (v) => Math.fround(v / 255)));
    }
  });

  it('channels: 1 gives grey pixels; an RGBA PNG loses its alpha with channels: 3', async () => {
    const img = await png(40, 40, 5);
    const grey = await pipeline([img], { width: 10, height: 10, channels: 1 });
    expect(grey.out.dims).toEqual([1, 1, 10, 10]);
    const ref = await reference(img, 10, 10, 'cover', 1);
    expect(Array.from(grey.out.data as Float32Array)).toEqual(Array.from(ref, (v) => Math.fround(v / 255)));
    const rgba = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const { out } = await pipeline([rgba], { width: 8, height: 8, layout: 'nhwc' });
    expect(Array.from((out.data as Float32Array).subarray(0, 3))).toEqual([1, 0, 0]);
  });
});

describe('bad images are rejected rows, never a crash', () => {
  it('zero bytes, other formats, corrupt and truncated data, decompression bombs: each row by reason, good rows decoded', async () => {
    const good = await png(32, 32, 6);
    const goodJpeg = await jpeg(64, 64, 7);
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
      .gif()
      .toBuffer();
    // Complete files whose data is damaged: the compressed pixels overwritten, the end intact.
    const corrupt = Buffer.from(good);
    corrupt.fill(0x5a, 40, corrupt.length - 12);
    const truncated = goodJpeg.subarray(0, Math.floor(goodJpeg.length / 2));
    const images = [good, new Uint8Array(0), gif, Buffer.from('hello, not an image'), corrupt, truncated, bombPng(100_000, 100_000), goodJpeg];
    const { out, rejected } = await pipeline(images, { width: 16, height: 16 });
    expect(rejected).toEqual([
      { row: 1, reason: 'image-empty' },
      { row: 2, reason: 'image-format' },
      { row: 3, reason: 'image-format' },
      { row: 4, reason: 'image-corrupt' },
      { row: 5, reason: 'image-truncated' },
      { row: 6, reason: 'image-too-large' },
    ]);
    expect(out.dims).toEqual([8, 3, 16, 16]);
    const ref = await reference(goodJpeg, 16, 16, 'cover');
    expect((out.data as Float32Array)[7 * 768]).toBe(Math.fround(ref[0] / 255));
  });

  it('max_pixels is the documented limit: an image one pixel over it is refused', async () => {
    const img = await png(100, 50, 8);
    expect((await pipeline([img], { width: 8, height: 8, max_pixels: 5000 })).rejected).toEqual([]);
    expect((await pipeline([img], { width: 8, height: 8, max_pixels: 4999 })).rejected).toEqual([{ row: 0, reason: 'image-too-large' }]);
  });
});

describe('image type rules', () => {
  const ctx = fakeCtx();
  it('decode_image: bytes[rows] → image[rows, ?, ?, c]; resize fixes the size; to_tensor lays it out', () => {
    expect(decodeImage.infer([{ dtype: 'bytes', dims: ['batch'] }], { channels: 3, max_pixels: 1 }, ctx)).toEqual({
      dtype: 'image',
      dims: ['batch', null, null, 3],
    });
    expect(decodeImage.infer([{ dtype: 'str', dims: ['batch'] }], { channels: 3, max_pixels: 1 }, ctx)).toMatchObject({ arg: 0 });
    const img = { dtype: 'image' as const, dims: ['batch', null, null, 3] };
    expect(resize.infer([img], { width: 224, height: 200, fit: 'cover' }, ctx)).toEqual({ dtype: 'image', dims: ['batch', 200, 224, 3] });
    const sized = { dtype: 'image' as const, dims: ['batch', 200, 224, 3] };
    expect(resize.infer([sized], { width: 10, height: 10, fit: 'cover' }, ctx)).toMatchObject({ error: expect.stringContaining('already resized') });
    expect(toTensor.infer([sized], { layout: 'nchw', dtype: 'f32', scale: true }, ctx)).toEqual({ dtype: 'f32', dims: ['batch', 3, 200, 224] });
    expect(toTensor.infer([sized], { layout: 'nhwc', dtype: 'f32', scale: true }, ctx)).toEqual({ dtype: 'f32', dims: ['batch', 200, 224, 3] });
    expect(toTensor.infer([img], { layout: 'nchw', dtype: 'f32', scale: true }, ctx)).toMatchObject({ error: expect.stringContaining('resize') });
  });
});
