import type { ImageValue, Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { describeBytes, DEFAULT_MAX_PIXELS, sniffImageFormat } from './image-format.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, KernelContext, OpSpec } from './op-spec.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type DecodeImageParams = { channels: 1 | 3 | 4; max_pixels: number };

const NAME = 'decode_image';

/**
 * Encoded image bytes → images. Only the format is checked here (from the magic bytes, on the main
 * thread, in microseconds); the pixels are decoded by `to_tensor` in sharp's thread pool, together
 * with the resize, so a 640×480 JPEG is never materialised at full size.
 */
export const decodeImage: OpSpec<DecodeImageParams> = {
  name: NAME,
  summary: 'Read encoded PNG, JPEG or WebP bytes as images (decoded by to_tensor, off the main thread).',
  doc: [
    'Takes one encoded image per row (`bytes[rows]`: base64 in JSONL and CSV, raw bytes when served)',
    'and gives an image per row with `channels` channels: 1 (grey), 3 (RGB, alpha dropped) or 4 (RGBA).',
    'The pixels are decoded later, by `to_tensor`, with sharp (libvips) in its thread pool, after',
    '`resize` — which an image needs before `to_tensor`, since images in a batch differ in size.',
    '',
    '**Bad rows, never a crash.** Zero bytes (`image-empty`) and bytes that are not PNG, JPEG or WebP',
    '(`image-format`: GIF, BMP, text...) are rejected here; corrupt data (`image-corrupt`), a cut-off',
    'file (`image-truncated`) and images of more than `max_pixels` pixels (`image-too-large`, default',
    '40,000,000 = 8000×5000, checked from the header before any pixel is decoded: a decompression',
    'bomb costs nothing) are rejected by `to_tensor`. The row is dropped from the batch and counted',
    'by reason (`m4c run` summary; `--on-bad-row fail` stops at the first); `m4c serve` answers 400.',
    '',
    '**Type rule.** `x` is `bytes[rows]`; the result is `image[rows, ?, ?, channels]` (height and',
    'width unknown until `resize`).',
    '',
    '**NaN.** Not applicable: bytes in, images out.',
  ].join('\n'),
  example: 'node photo = decode_image(photo_bytes, channels: 3)',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      channels: { description: 'Channels of the decoded pixels: 1 grey, 3 RGB, 4 RGBA.', enum: [1, 3, 4], default: 3 },
      max_pixels: {
        description: 'Refuse images with more pixels (width × height) than this.',
        type: 'integer',
        minimum: 1,
        default: DEFAULT_MAX_PIXELS,
      },
    },
    additionalProperties: false,
  },
  rejectsRows: true,

  infer(args: TensorType[], params: DecodeImageParams, _ctx: InferContext): InferResult {
    const x = args[0];
    if (x.dtype !== 'bytes' || x.dims.length !== 1) {
      return { error: `decode_image needs one encoded image per row, bytes[rows], got ${formatType(x)}`, arg: 0 };
    }
    return { dtype: 'image', dims: [x.dims[0], null, null, params.channels] };
  },

  kernel(args: Tensor[], params: DecodeImageParams, ctx?: KernelContext): Tensor {
    const x = args[0];
    if (x.dtype !== 'bytes' || x.dims.length !== 1) throw new KernelError(NAME, `needs bytes[rows], got ${x.dtype}[${x.dims.join(', ')}]`);
    const src = x.data as Uint8Array[];
    const out = new Array<ImageValue>(src.length);
    for (let r = 0; r < src.length; r++) {
      const b = src[r];
      const format = sniffImageFormat(b);
      if (format === null) {
        if (b.length === 0) ctx?.rejectRow(r, 'image-empty', 'the image has 0 bytes');
        else ctx?.rejectRow(r, 'image-format', `${describeBytes(b)}, not PNG, JPEG or WebP`);
      }
      out[r] = { bytes: b, format: format ?? 'unknown', channels: params.channels, maxPixels: params.max_pixels };
    }
    return { dtype: 'image', data: out, dims: [src.length, 0, 0, params.channels] }; // size unknown until resize
  },
};
