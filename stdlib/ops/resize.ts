import type { ImageValue, Tensor } from '../types.ts';
import { formatType, type TensorType } from '../../plan/tensor-type.ts';
import { KernelError } from './kernel-error.ts';
import type { InferContext, InferResult, OpSpec } from './op-spec.ts';

/** Named parameters, schema-validated with defaults applied before `infer` and `kernel` see them. */
export type ResizeParams = { width: number; height: number; fit: 'fill' | 'cover' | 'contain' };

const NAME = 'resize';

/** Resize images to one size; the work is done by `to_tensor`'s sharp pipeline (see decode_image). */
export const resize: OpSpec<ResizeParams> = {
  name: NAME,
  summary: 'Resize images to width × height (fill, cover or contain), as sharp does.',
  doc: [
    "Every image of the batch becomes `width` × `height` pixels, with sharp's `resize` and its",
    'default Lanczos-3 kernel: `fill` stretches to the size, `cover` (default) scales to cover it and',
    'crops the centre, `contain` scales to fit inside it and pads with black. The resize runs in',
    "`to_tensor`'s decode pipeline, in sharp's thread pool.",
    '',
    '**Type rule.** `x` is an image from `decode_image` (`image[rows, ?, ?, c]`); the result is',
    '`image[rows, height, width, c]`. An image already resized is an error: two resizes are not one,',
    'and the second would silently replace the first.',
    '',
    '**NaN.** Not applicable: pixels are 8-bit integers until `to_tensor`.',
  ].join('\n'),
  example: 'node small = resize(photo, width: 224, height: 224, fit: "cover")',
  arity: { min: 1, max: 1 },
  params: {
    type: 'object',
    properties: {
      width: { description: 'Width in pixels.', type: 'integer', minimum: 1, maximum: 16384 },
      height: { description: 'Height in pixels.', type: 'integer', minimum: 1, maximum: 16384 },
      fit: { description: 'How the aspect ratio is kept: stretch, crop or pad.', enum: ['fill', 'cover', 'contain'], default: 'cover' },
    },
    required: ['width', 'height'],
    additionalProperties: false,
  },
  readsImages: true,

  infer(args: TensorType[], params: ResizeParams, _ctx: InferContext): InferResult {
    const x = args[0];
    if (x.dtype !== 'image' || x.dims.length !== 4) {
      return { error: `resize needs images from decode_image, got ${formatType(x)}`, arg: 0 };
    }
    if (x.dims[1] !== null || x.dims[2] !== null) {
      return {
        error: `these images are already resized to ${String(x.dims[2])}×${String(x.dims[1])}: resize once, to the size the model takes`,
        arg: 0,
      };
    }
    return { dtype: 'image', dims: [x.dims[0], params.height, params.width, x.dims[3]] };
  },

  kernel(args: Tensor[], params: ResizeParams): Tensor {
    const x = args[0];
    if (x.dtype !== 'image') throw new KernelError(NAME, `needs images, got ${x.dtype}`);
    const size = { width: params.width, height: params.height, fit: params.fit };
    const out = (x.data as ImageValue[]).map((v) => ({ ...v, resize: size }));
    return { dtype: 'image', data: out, dims: [x.dims[0], params.height, params.width, x.dims[3]] };
  },
};
