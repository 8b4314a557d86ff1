/**
 * What a source reads for each graph input: the declared slot (from `PlanInput`) and, once the first
 * good row has been seen, the fixed layout (which optional inputs are present, concrete trailing dims).
 */
import type { DType, Dim } from '../../plan/tensor-type.ts';
import type { PlanInput } from '../../plan/plan-types.ts';

/** One graph input as the source sees it. `trailing` are the declared dims after the row dim. */
export interface InputSlot {
  name: string;
  dtype: DType;
  optional: boolean;
  trailing: Dim[];
  /** `field`: one (possibly nested) field; `columns`: several scalar fields gathered into the last axis. */
  kind: 'field' | 'columns';
  /** One path for `field`, one per gathered column for `columns`. Never empty, no empty path. */
  paths: string[][];
  /** Display name of the field(s) in bad-row details: `payload.tx`. */
  label: string;
}

/** A present input with concrete trailing dims. `rowSize` = product of `dims` (elements per row). */
export interface FixedSlot extends InputSlot {
  dims: number[];
  rowSize: number;
}

/** The layout every batch of a source shares, fixed by the file's first good row. */
export interface SourceLayout {
  /** Present inputs, in plan order. */
  slots: FixedSlot[];
  absentOptional: string[];
}

/** A problem with the inputs themselves (not with the data): reported as an `unsupported` SourceError. */
export interface SlotProblem {
  problem: string;
}

/** A field path as users write it: `payload.tx`. */
export function pathLabel(path: readonly string[]): string {
  return path.join('.');
}

/**
 * Turn plan inputs into slots, rejecting shapes a row-oriented source cannot fill: no row dim,
 * non-positive fixed dims, `columns` sources that are not `[rows, k]` with k = number of columns.
 */
export function planSlots(inputs: readonly PlanInput[]): InputSlot[] | SlotProblem {
  const slots: InputSlot[] = [];
  const names = new Set<string>();
  for (const input of inputs) {
    const dims = input.type.dims;
    if (names.has(input.name)) return { problem: `input "${input.name}" is declared twice` };
    names.add(input.name);
    if (dims.length === 0) {
      return { problem: `input "${input.name}" has no row dimension (its type needs at least one dim, e.g. [batch])` };
    }
    const trailing = dims.slice(1);
    for (const d of trailing) {
      if (typeof d === 'number' && !(Number.isInteger(d) && d > 0)) {
        return { problem: `input "${input.name}" has an invalid dim ${d}` };
      }
    }
    const src = input.source;
    let paths: string[][];
    if (src.kind === 'field') {
      paths = [src.path];
    } else {
      paths = src.paths;
      if (trailing.length !== 1) {
        return { problem: `input "${input.name}" gathers ${paths.length} columns, so its type must be [rows, ${paths.length}]` };
      }
      const last = trailing[0];
      if (typeof last === 'number' && last !== paths.length) {
        return { problem: `input "${input.name}" gathers ${paths.length} columns into a last dim of ${last}` };
      }
      if (paths.length === 0) return { problem: `input "${input.name}" gathers no columns` };
    }
    for (const p of paths) {
      if (p.length === 0 || p.some((k) => typeof k !== 'string')) {
        return { problem: `input "${input.name}" has an empty field path` };
      }
    }
    slots.push({
      name: input.name,
      dtype: input.type.dtype,
      optional: input.optional,
      trailing,
      kind: src.kind,
      paths,
      label: src.kind === 'field' ? pathLabel(src.path) : paths.map(pathLabel).join(', '),
    });
  }
  return slots;
}

/** Fix a slot's dims; `dims` must already satisfy the declared fixed sizes. */
export function fixSlot(slot: InputSlot, dims: number[]): FixedSlot {
  let rowSize = 1;
  for (const d of dims) rowSize *= d;
  return { ...slot, dims, rowSize };
}

/** Strides (in elements) of each trailing axis for row-major layout. */
export function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  let s = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    strides[k] = s;
    s *= dims[k];
  }
  return strides;
}

/** The noun for one element in messages: "expected 30 numbers". */
export function elementNoun(dtype: DType): string {
  if (dtype === 'bool') return 'booleans';
  if (dtype === 'str') return 'strings';
  return 'numbers';
}
