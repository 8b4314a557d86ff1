/**
 * What image ops share: the formats `decode_image` accepts (recognised by their magic bytes), the
 * pixel limit that refuses decompression bombs, and the sharp pipeline `to_tensor` runs per image.
 */
import type SharpModule from 'sharp';
import type { ImageValue } from '../types.ts';
import type { RowFailureReason } from './op-spec.ts';

/**
 * The most pixels (width × height of the encoded image) an image may have: 40 megapixels, e.g.
 * 8000 × 5000. Larger images are refused before their pixels are decoded (a 50 KB PNG can declare
 * 100000 × 100000 pixels: 30 GB of RGB). Overridable per graph with `decode_image(max_pixels: ...)`.
 */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** The format of encoded image bytes from their first bytes, or null when it is none we read. */
export function sniffImageFormat(b: Uint8Array): 'png' | 'jpeg' | 'webp' | null {
  if (
    b.length >= 8 &&
    b[0] === 0x89 &&
    b[1] === 0x50 &&
    b[2] === 0x4e &&
    b[3] === 0x47 &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  )
    return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    b.length >= 12 &&
    b[0] === 0x52 &&
    b[1] === 0x49 &&
    b[2] === 0x46 &&
    b[3] === 0x46 &&
    b[8] === 0x57 &&
    b[9] === 0x45 &&
    b[10] === 0x42 &&
    b[11] === 0x50
  )
    return 'webp';
  return null;
}

/** A short name for what unknown bytes look like, for the bad-row detail. */
export function describeBytes(b: Uint8Array): string {
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'a GIF image';
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return 'a BMP image';
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d)) && (b[2] === 42 || b[3] === 42)) return 'a TIFF image';
  if (b.length >= 4 && b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46) return 'a PDF';
  return `${b.length} bytes starting ${Buffer.from(b.subarray(0, 4)).toString('hex')}`;
}

/** The pixels of one image as `to_tensor` wants them: 8-bit, interleaved, `height × width × channels`. */
export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

/** A row failure: why the image could not be decoded. */
export interface ImageFailure {
  reason: RowFailureReason;
  detail: string;
}

let sharpModule: Promise<typeof SharpModule> | undefined;
/** sharp (libvips, ~25 ms to load) is loaded by the first image decoded, not at every start of the CLI. */
const loadSharp = (): Promise<typeof SharpModule> => (sharpModule ??= import('sharp').then((m) => m.default));

/**
 * Decode (and resize) one image in sharp's thread pool. `failOn: 'warning'` makes a truncated JPEG or
 * PNG an error instead of grey pixels; `limitInputPixels` refuses bombs from the header alone.
 */
export async function decodePixels(v: ImageValue): Promise<Pixels | ImageFailure> {
  const sharp = await loadSharp();
  try {
    let p = sharp(v.bytes, { failOn: 'warning', limitInputPixels: v.maxPixels, sequentialRead: true });
    if (v.resize) p = p.resize(v.resize.width, v.resize.height, { fit: v.resize.fit as 'cover' | 'contain' | 'fill' });
    if (v.channels === 1) p = p.removeAlpha().toColourspace('b-w');
    else if (v.channels === 3) p = p.removeAlpha().toColourspace('srgb');
    else p = p.ensureAlpha().toColourspace('srgb');
    const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (err) {
    return classify(err instanceof Error ? err.message : String(err), v);
  }
}

/**
 * Why sharp failed. libvips' wording is not stable (under load a truncated JPEG sometimes reports
 * only "Warning treated as error"), so truncation is decided from the bytes: a file whose end marker
 * is missing (JPEG EOI, PNG IEND, a RIFF size past the end) was cut off.
 */
function classify(message: string, v: ImageValue): ImageFailure {
  const m = message.replace(/\s+/g, ' ').trim();
  if (/pixel limit/i.test(m)) return { reason: 'image-too-large', detail: m };
  if (endsEarly(v.format, v.bytes))
    return { reason: 'image-truncated', detail: `the ${v.format.toUpperCase()} data ends early (${v.bytes.length} bytes): ${m}` };
  if (/unsupported image format/i.test(m)) return { reason: 'image-format', detail: m };
  return { reason: 'image-corrupt', detail: m };
}

/** Whether encoded bytes lack the end their format requires. */
export function endsEarly(format: string, b: Uint8Array): boolean {
  const n = b.length;
  if (format === 'jpeg') {
    // EOI (FF D9), possibly followed by padding some encoders append.
    for (let i = n - 2; i >= Math.max(0, n - 64); i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return false;
    return true;
  }
  if (format === 'png') {
    // The IEND chunk: its type then a 4-byte CRC are the file's last 8 bytes.
    return !(n >= 12 && b[n - 8] === 0x49 && b[n - 7] === 0x45 && b[n - 6] === 0x4e && b[n - 5] === 0x44);
  }
  if (format === 'webp') return n < 12 || (b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)) + 8 > n;
  return false;
}
