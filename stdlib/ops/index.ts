import type { OpSpec } from './op-spec.ts';
import { add } from './add.ts';
import { argmax } from './argmax.ts';
import { cast } from './cast.ts';
import { decodeImage } from './decode-image.ts';
import { clip } from './clip.ts';
import { column } from './column.ts';
import { concat } from './concat.ts';
import { div } from './div.ts';
import { exp } from './exp.ts';
import { expandDims } from './expand-dims.ts';
import { fillNan } from './fill-nan.ts';
import { log } from './log.ts';
import { mean } from './mean.ts';
import { mul } from './mul.ts';
import { normalize } from './normalize.ts';
import { readFile } from './read-file.ts';
import { resize } from './resize.ts';
import { sigmoid } from './sigmoid.ts';
import { slice } from './slice.ts';
import { softmax } from './softmax.ts';
import { squeeze } from './squeeze.ts';
import { standardize } from './standardize.ts';
import { sub } from './sub.ts';
import { threshold } from './threshold.ts';
import { toTensor } from './to-tensor.ts';
import { tokenize } from './tokenize.ts';

export type { OpSpec } from './op-spec.ts';
export { KernelError } from './kernel-error.ts';

const ALL: OpSpec[] = [
  add,
  argmax,
  cast,
  clip,
  column,
  concat,
  decodeImage,
  div,
  exp,
  expandDims,
  fillNan,
  log,
  mean,
  mul,
  normalize,
  readFile,
  resize,
  sigmoid,
  slice,
  softmax,
  squeeze,
  standardize,
  sub,
  threshold,
  toTensor,
  tokenize,
];

/** Every stdlib op by the name it is called with in `.m4` files. Immutable. */
export const OPS: ReadonlyMap<string, OpSpec> = new Map(ALL.map((op) => [op.name, op]));

/** The op called `name`, or `undefined` (the compiler turns that into an unknown-op diagnostic). */
export function getOp(name: string): OpSpec | undefined {
  return OPS.get(name);
}

/** Names of all ops, sorted, for completions and "did you mean" suggestions. */
export function opNames(): string[] {
  return [...OPS.keys()].sort();
}
