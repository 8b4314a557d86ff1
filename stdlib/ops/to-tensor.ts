import type { ImageValue, Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { decodePixels } from './image-format.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, KernelContext, OpSpec } from './op-spec.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ToTensorParams = { layout: 'nchw' | 'nhwc'; dtype: 'f32'; scale: boolean };

const NAME = 'to_tensor';

/**
 * Images → f32 pixels. Decoding and resizing happen here, one sharp pipeline per image, all the
 * batch's images at once in sharp's (libuv) thread pool: the main thread only waits and copies.
 */
export const toTensor: OpSpec<ToTensorParams> = {
  name: NAME,
  summary: 'Decode resized images into f32 pixels [rows, c, h, w] (nchw) or [rows, h, w, c] (nhwc), in [0, 1].',
  doc: [
    "Decodes each image (with its `resize`) in sharp's thread pool and writes its pixels as f32:",
    '`nchw` (channels first, PyTorch) or `nhwc` (channels last, TensorFlow). With `scale: true`',
    "(default) values are `byte / 255` in [0, 1], as torchvision's `ToTensor`; with `false` they stay",
    "0..255. Channel order is RGB (RGBA with 4 channels). For a per-channel mean and std (torchvision's",
    '`Normalize`), follow with `standardize(x, mean: [...], std: [...], axis: 1)` (nchw) or `axis: -1` (nhwc).',
    '',
    '**Bad rows.** Corrupt data (`image-corrupt`), a cut-off file (`image-truncated`) and images over',
    "`decode_image`'s `max_pixels` (`image-too-large`) are rejected rows, never a crash.",
    '',
    '**Type rule.** `x` is `image[rows, h, w, c]` with a known size (`resize` first); the result is',
    '`f32[rows, c, h, w]` (nchw) or `f32[rows, h, w, c]` (nhwc).',
    '',
    '**NaN.** Never produced: every pixel is a finite byte value (divided by 255).',
  ].join('\n'),
  example: 'node pixels = to_tensor(small, layout: "nchw")',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      layout: { description: 'nchw (channels first) or nhwc (channels last).', enum: ['nchw', 'nhwc'], default: 'nchw' },
      dtype: { description: 'Element type of the pixels.', enum: ['f32'], default: 'f32' },
      scale: { description: 'Divide by 255, giving values in [0, 1].', type: 'boolean', default: true },
    },
    additionalProperties: false,
  },
  readsImages: true,
  rejectsRows: true,

  infer(args: TensorType[], params: ToTensorParams, _ctx: InferContext): InferResult {
    const x = args[0];
    if (x.dtype !== 'image' || x.dims.length !== 4) {
      return { error: `to_tensor needs images from decode_image and resize, got ${formatType(x)}`, arg: 0 };
    }
    const [rows, h, w, c] = x.dims;
    if (typeof h !== 'number' || typeof w !== 'number') {
      return { error: 'the images of a batch differ in size: resize(x, width: W, height: H) them before to_tensor', arg: 0 };
    }
    return { dtype: params.dtype, dims: params.layout === 'nchw' ? [rows, c, h, w] : [rows, h, w, c] };
  },

  kernel(): Tensor {
    throw new KernelError(NAME, 'decodes images asynchronously (kernelAsync)');
  },

  async kernelAsync(args: Tensor[], params: ToTensorParams, ctx: KernelContext): Promise<Tensor> {
    const x = args[0];
    if (x.dtype !== 'image') throw new KernelError(NAME, `needs images, got ${x.dtype}`);
    const images = x.data as ImageValue[];
    const rows = images.length;
    const [, h, w, c] = x.dims;
    if (!(h > 0 && w > 0)) throw new KernelError(NAME, 'the images are not resized');
    const plane = h * w;
    const perRow = plane * c;
    const out = new Float32Array(rows * perRow);
    const div = params.scale ? 255 : 1;
    const nchw = params.layout === 'nchw';
    await Promise.all(
      images.map(async (img, r) => {
        // A row decode_image already rejected has no image worth decoding.
        if (img.format === 'unknown') return;
        const px = await decodePixels(img);
        if ('reason' in px) {
          ctx.rejectRow(r, px.reason, px.detail);
          return;
        }
        if (px.width !== w || px.height !== h || px.channels !== c) {
          ctx.rejectRow(r, 'image-corrupt', `decoded to ${px.width}×${px.height}×${px.channels}, expected ${w}×${h}×${c}`);
          return;
        }
        const src = px.data;
        const base = r * perRow;
        if (nchw) {
          for (let ch = 0; ch < c; ch++) {
            const o = base + ch * plane;
            for (let p = 0, i = ch; p < plane; p++, i += c) out[o + p] = src[i] / div;
          }
        } else {
          for (let i = 0; i < perRow; i++) out[base + i] = src[i] / div;
        }
      }),
    );
    return { dtype: 'f32', data: out, dims: nchw ? [rows, c, h, w] : [rows, h, w, c] };
  },
};
