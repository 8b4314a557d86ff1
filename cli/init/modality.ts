/**
 * Text and image models for `m4c init`: a model whose signature takes token ids (i64 `input_ids`,
 * with an `attention_mask` and maybe `token_type_ids`) or pixels (a 4-D f32 input with 1 or 3
 * channels) is fed from raw data — a `str` text and `bytes` image — through drafted `tokenize` and
 * image ops instead of asking the data for ready-made tensors. What init cannot know (the tokenizer
 * file, the model's mean and std) is left as a TODO: the tokenizer path is a placeholder the compiler
 * rejects, so the declaration carries the compiler's own message.
 */
import type { OnnxSignature } from '../../compiler/onnx-signature.ts';
import type { Dim } from '../../plan/tensor-type.ts';
import type { BridgeNode, GraphInput } from './bridging.ts';
import { NameAllocator, writeString } from './m4-names.ts';

/** Where a placeholder tokenizer path points: a file the user replaces (it does not exist). */
export const TOKENIZER_PLACEHOLDER = 'TODO/tokenizer.json';

/** Raw inputs and the preprocessing nodes that replace model-shaped graph inputs. */
export interface ModalityDraft {
  /** Graph inputs (by name) that become preprocessing nodes of the same name. */
  replaced: Set<string>;
  raws: { name: string; dtype: 'str' | 'bytes'; comment: string }[];
  nodes: (BridgeNode & { todo: string | null; unbridged: boolean })[];
}

const IDS = /^(input_?ids|token_?ids|ids|tokens)$/i;
const MASK = /^attention_?mask$/i;
const TYPES = /^token_?type_?ids$/i;

/** The ONNX inputs of `sig` that init feeds from raw text or images (see {@link draftModalities}). */
export function modalityInputNames(sig: OnnxSignature): Set<string> {
  const out = new Set<string>();
  const i64x2 = sig.inputs.filter((v) => v.type.dtype === 'i64' && v.type.dims.length === 2);
  if (i64x2.some((v) => IDS.test(v.name))) for (const v of i64x2) if (IDS.test(v.name) || MASK.test(v.name) || TYPES.test(v.name)) out.add(v.name);
  for (const v of sig.inputs) {
    const d = v.type.dims;
    if (v.type.dtype === 'f32' && d.length === 4 && (d[1] === 1 || d[1] === 3 || d[3] === 1 || d[3] === 3)) out.add(v.name);
  }
  return out;
}

const fixed = (d: Dim | undefined, dflt: number): number => (typeof d === 'number' && d > 0 ? d : dflt);

/**
 * Recognise text and image inputs among the control's graph inputs. Returns null when there are none.
 * Names of the raw inputs are allocated from `names` (`text`, `image`, `image_2`, ...).
 */
export function draftModalities(sig: OnnxSignature, inputs: readonly GraphInput[], names: NameAllocator): ModalityDraft | null {
  const out: ModalityDraft = { replaced: new Set(), raws: [], nodes: [] };
  const mine = inputs.filter((g) => g.origin === 'control' && sig.inputs.some((v) => v.name === g.onnxName));
  const ids = mine.find((g) => IDS.test(g.onnxName) && g.type.dtype === 'i64' && g.type.dims.length === 2);
  if (ids) {
    const text = names.allocate(names.has('text') ? 'raw_text' : 'text');
    const len = fixed(ids.type.dims[1], 128);
    const base = `${text}, tokenizer: ${writeString(TOKENIZER_PLACEHOLDER)}, max_length: ${len}`;
    out.raws.push({ name: text, dtype: 'str', comment: 'the raw text the model was trained on' });
    const lenNote =
      typeof ids.type.dims[1] === 'number' ? `max_length ${len} from the model` : 'max_length: the model does not fix it, 128 is a guess';
    out.nodes.push({
      name: ids.name,
      expr: `tokenize(${base})`,
      comment: lenNote,
      todo: "TODO(m4 init): the path of the model's tokenizer.json (relative to this file).",
      unbridged: true,
    });
    out.replaced.add(ids.name);
    for (const [re, result] of [
      [MASK, 'attention_mask'],
      [TYPES, 'token_type_ids'],
    ] as const) {
      const g = mine.find((x) => re.test(x.onnxName) && x.type.dtype === 'i64' && x.type.dims.length === 2);
      if (!g) continue;
      out.nodes.push({
        name: g.name,
        expr: `tokenize(${base}, result: "${result}")`,
        comment: `the same encoding's ${result}`,
        todo: null,
        unbridged: true,
      });
      out.replaced.add(g.name);
    }
  }
  for (const g of mine) {
    const d = g.type.dims;
    if (g.type.dtype !== 'f32' || d.length !== 4 || out.replaced.has(g.name)) continue;
    const nchw = d[1] === 1 || d[1] === 3;
    const nhwc = !nchw && (d[3] === 1 || d[3] === 3);
    if (!nchw && !nhwc) continue;
    const c = (nchw ? d[1] : d[3]) as number;
    const h = fixed(nchw ? d[2] : d[1], 224);
    const w = fixed(nchw ? d[3] : d[2], 224);
    const image = names.allocate(names.has('image') ? 'raw_image' : 'image');
    out.raws.push({ name: image, dtype: 'bytes', comment: 'encoded images: base64 PNG, JPEG or WebP in the data' });
    const mean = c === 3 ? '[0.485, 0.456, 0.406]' : '[0.5]';
    const std = c === 3 ? '[0.229, 0.224, 0.225]' : '[0.5]';
    const pixels = `to_tensor(resize(decode_image(${image}, channels: ${c}), width: ${w}, height: ${h}), layout: "${nchw ? 'nchw' : 'nhwc'}")`;
    out.nodes.push({
      name: g.name,
      expr: `standardize(${pixels}, mean: ${mean}, std: ${std}, axis: ${nchw ? 1 : -1})`,
      comment: `${c === 3 ? 'RGB' : 'grey'} ${w}×${h} ${nchw ? 'channels first' : 'channels last'}, from the model's signature`,
      todo: `TODO(m4 init): the mean and std the model was trained with (${c === 3 ? "ImageNet's here" : 'a guess'}), and the resize fit.`,
      unbridged: false,
    });
    out.replaced.add(g.name);
  }
  return out.replaced.size > 0 ? out : null;
}
