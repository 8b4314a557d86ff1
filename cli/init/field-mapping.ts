/**
 * Field mapping for `m4c init --data`: which field of the sample feeds each graph input, which field
 * holds the labels, and which one is worth slicing the metrics by.
 *
 * Inputs are matched in rounds, each round only among fields not yet taken, so a strong match is never
 * stolen by a weak one:
 * 1. by name, exactly (`x` ↔ `x`, or a nested field whose last part is `x`);
 * 2. by name, loosely (case and punctuation ignored: `Float_Input` ↔ `float_input`);
 * 3. by length: a list field whose shape is the input's row shape (`tx`, 30 numbers ↔ `x: f32[batch, 30]`);
 * 4. by gathering scalar numeric fields into the last axis (`from ["f0", ..., "f29"]`): all the numeric
 *    scalar fields left when there are exactly as many as the input's width, else a numbered family
 *    (`f0`..`f29`, `pixel_1`..`pixel_784`) of that size.
 * Fields named like identifiers (`id`, `user_id`, `timestamp`) and the label are never features.
 */
import type { DType, Dim, TensorType } from '../../plan/tensor-type.ts';
import { describeField, isCategorical, type DataField, type DataSample } from './data-sample.ts';
import { looseKey } from './m4-names.ts';

/** Where a graph input reads its value in a row. */
export type FieldSource = { kind: 'field'; field: string } | { kind: 'columns'; fields: string[] };

/** How an input was matched, for the comment next to it. */
export type MatchKind = 'name' | 'loose-name' | 'length' | 'columns';

export interface InputMapping {
  source: FieldSource;
  how: MatchKind;
}

/** A graph input to find a field for. `type` is the graph type (`[batch, ...]`). */
export interface InputNeed {
  name: string;
  type: TensorType;
}

export interface LabelField {
  field: DataField;
  /** What the sample's values look like: only 0/1 (or booleans), other integers, other numbers. */
  values: 'binary' | 'classes' | 'values';
  /** How it was found: `--label`, its name, or its values matching the model's classes. */
  how: 'flag' | 'name' | 'classes';
}

export interface SliceField {
  field: DataField;
  /** Distinct values in the sample. */
  count: number;
}

const LABEL_NAMES = ['label', 'target', 'y', 'class'];
const ID_LIKE = /^(id|idx|index|uuid|guid|key|row|rowid|ts|time|timestamp|date|datetime|created_at|updated_at)$|_id$|Id$|_ids$|_at$/;
/** A slice with more values than this is more noise than signal in a report. */
const MAX_SLICE_VALUES = 20;

/** A writable field name: `from "a.b"` reads nested `a` → `b`, so a key holding a dot cannot be named. */
function addressable(f: DataField): boolean {
  return f.path.every((p) => p.length > 0 && !p.includes('.'));
}

/** Can values of this field fill a value of `dtype`? (integers fill float inputs; floats never fill integer ones). */
function kindFits(f: DataField, dtype: DType): boolean {
  switch (f.kind) {
    case 'float':
      return dtype === 'f32' || dtype === 'f64';
    case 'integer':
      return dtype !== 'str' && dtype !== 'bool';
    case 'bool':
      return dtype === 'bool';
    case 'string':
      return dtype === 'str';
    default:
      return false;
  }
}

function shapeFits(shape: readonly number[], want: readonly Dim[]): boolean {
  return shape.length === want.length && want.every((d, i) => typeof d !== 'number' || d === shape[i]);
}

/** How field `f` can fill an input of type `t`, or null: directly, or as one gathered column ([] → [1]). */
function fit(f: DataField, t: TensorType): FieldSource | null {
  if (f.shape === null || !kindFits(f, t.dtype) || !addressable(f)) return null;
  const row = t.dims.slice(1);
  if (shapeFits(f.shape, row)) return { kind: 'field', field: f.name };
  if (f.shape.length === 0 && row.length === 1 && row[0] === 1) return { kind: 'columns', fields: [f.name] };
  return null;
}

/** Would {@link mapInputs} match list field `f` to an input of graph type `t` by length (round 3)? */
export function fieldFits(f: DataField, t: TensorType): boolean {
  return byLength(f, t);
}

function byLength(f: DataField, t: TensorType): boolean {
  return t.dims.length >= 2 && f.shape !== null && f.shape.length > 0 && !ID_LIKE.test(lastPart(f)) && fit(f, t)?.kind === 'field';
}

function lastPart(f: DataField): string {
  return f.path[f.path.length - 1]!;
}

/**
 * Find the label field: `--label FIELD` when given (it must exist and hold one number per row), else the
 * first field named `label`, `target`, `y` or `class` (case and punctuation ignored) that holds one
 * number or boolean per row. `taken` fields (exact-name input matches) are skipped.
 */
export function findLabel(sample: DataSample, flag: string | undefined, taken: ReadonlySet<string>): LabelField | null | { problem: string } {
  const scalar = (f: DataField) => f.shape !== null && f.shape.length === 0 && (f.kind === 'integer' || f.kind === 'float' || f.kind === 'bool');
  if (flag !== undefined) {
    const f = sample.fields.find((x) => x.name === flag) ?? sample.fields.find((x) => looseKey(x.name) === looseKey(flag));
    if (!f) return { problem: `--label ${flag}: ${sample.given} has no such field (fields: ${sample.fields.map(describeField).join(', ')})` };
    if (!scalar(f)) return { problem: `--label ${flag}: the field holds ${describeField(f)}, not one number or boolean per row` };
    return { field: f, values: labelValues(f), how: 'flag' };
  }
  for (const want of LABEL_NAMES) {
    const f = sample.fields.find((x) => !taken.has(x.name) && scalar(x) && looseKey(lastPart(x)) === want && addressable(x));
    if (f) return { field: f, values: labelValues(f), how: 'name' };
  }
  return null;
}

function labelValues(f: DataField): LabelField['values'] {
  if (f.kind === 'bool') return 'binary';
  if (f.kind === 'float') return 'values';
  const d = f.distinct;
  if (d !== null && d.every((v) => v === '0' || v === '1')) return 'binary';
  return 'classes';
}

/**
 * The exact-name matches alone (round 1), so the label search can skip fields that are model inputs.
 * Returns input name → field name.
 */
export function exactNameMatches(needs: readonly InputNeed[], sample: DataSample): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of needs) {
    const f = exactField(n, sample, new Set(out.values()));
    if (f) out.set(n.name, f.name);
  }
  return out;
}

/** The field an input would read by name (exactly or loosely), if one fits its type. */
export function fieldNamed(n: InputNeed, sample: DataSample): DataField | undefined {
  return (
    exactField(n, sample, new Set()) ??
    sample.fields.find((x) => fit(x, n.type) !== null && (looseKey(x.name) === looseKey(n.name) || looseKey(lastPart(x)) === looseKey(n.name)))
  );
}

function exactField(n: InputNeed, sample: DataSample, taken: ReadonlySet<string>): DataField | undefined {
  const free = sample.fields.filter((f) => !taken.has(f.name) && fit(f, n.type) !== null);
  return free.find((f) => f.name === n.name) ?? free.find((f) => lastPart(f) === n.name);
}

/**
 * Map every input to a field of the sample. `reserved` fields (the label) are never used as features.
 * Returns the mappings by input name, or a one-line problem naming the first input no field fits.
 */
export function mapInputs(
  needs: readonly InputNeed[],
  sample: DataSample,
  reserved: ReadonlySet<string>,
): Map<string, InputMapping> | { problem: string } {
  const out = new Map<string, InputMapping>();
  const taken = new Set<string>(reserved);
  const take = (n: InputNeed, source: FieldSource, how: MatchKind) => {
    out.set(n.name, { source, how });
    for (const f of source.kind === 'field' ? [source.field] : source.fields) taken.add(f);
  };
  const free = () => sample.fields.filter((f) => !taken.has(f.name));

  for (const n of needs) {
    const f = exactField(n, sample, taken);
    if (f) take(n, fit(f, n.type)!, 'name');
  }
  for (const n of needs) {
    if (out.has(n.name)) continue;
    const f = free().find((x) => fit(x, n.type) !== null && (looseKey(x.name) === looseKey(n.name) || looseKey(lastPart(x)) === looseKey(n.name)));
    if (f) take(n, fit(f, n.type)!, 'loose-name');
  }
  for (const n of needs) {
    if (out.has(n.name)) continue;
    const f = free().find((x) => byLength(x, n.type));
    if (f) take(n, { kind: 'field', field: f.name }, 'length');
  }
  for (const n of needs) {
    if (out.has(n.name)) continue;
    const cols = gather(n, free());
    if (cols) take(n, { kind: 'columns', fields: cols }, 'columns');
  }

  const missing = needs.find((n) => !out.has(n.name));
  if (missing) {
    const t = `${missing.type.dtype}[${missing.type.dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
    return {
      problem: `${sample.given}: no field matches model input \`${missing.name}\` ${t} by name, by length or as ${gatheredFields(widthOf(missing))} (fields: ${sample.fields.map(describeField).join(', ')})`,
    };
  }
  return out;
}

function widthOf(n: InputNeed): number | null {
  const row = n.type.dims.slice(1);
  return row.length === 1 && typeof row[0] === 'number' ? row[0] : null;
}

/** Scalar numeric fields gathered into an input `[batch, k]`: all that are left when exactly k, else a numbered family of k. */
function gather(n: InputNeed, free: DataField[]): string[] | null {
  const k = widthOf(n);
  if (k === null || n.type.dtype === 'str' || n.type.dtype === 'bool') return null;
  const scalars = free.filter(
    (f) => f.shape !== null && f.shape.length === 0 && kindFits(f, n.type.dtype) && addressable(f) && !ID_LIKE.test(lastPart(f)),
  );
  if (scalars.length === k) return scalars.map((f) => f.name);
  const families = new Map<string, { index: number; name: string }[]>();
  for (const f of scalars) {
    const m = /^(.*?)(\d+)$/.exec(f.name);
    if (!m) continue;
    const list = families.get(m[1]!) ?? [];
    list.push({ index: Number(m[2]), name: f.name });
    families.set(m[1]!, list);
  }
  for (const list of families.values()) {
    if (list.length === k) return list.sort((a, b) => a.index - b.index).map((e) => e.name);
  }
  return null;
}

/**
 * A text field with few distinct values (2..20) present in every sampled row, not used otherwise and
 * not named like a label: the comparison's `slice_by`. The first such field in the sample's order.
 */
export function findSlice(sample: DataSample, taken: ReadonlySet<string>): SliceField | null {
  for (const f of sample.fields) {
    if (taken.has(f.name) || f.kind !== 'string' || f.shape === null || f.shape.length !== 0 || f.optional || !addressable(f)) continue;
    // Labels written as text (`fraud` / `ok`) are labels m4 cannot read, not a segment of the traffic.
    if (LABEL_NAMES.includes(looseKey(lastPart(f)))) continue;
    if (!isCategorical(f)) continue;
    const count = f.distinct!.length;
    if (count >= 2 && count <= MAX_SLICE_VALUES && count <= sample.rows / 2) return { field: f, count };
  }
  return null;
}

/** "3 gathered numeric fields", "1 gathered numeric field", or "gathered numeric fields" when the width is unknown. */
function gatheredFields(width: number | null | undefined): string {
  if (width === undefined || width === null) return 'gathered numeric fields';
  return `${width} gathered numeric field${width === 1 ? '' : 's'}`;
}

/**
 * A label not named like one: an integer (or boolean) field, not read as a model input, whose distinct
 * values are exactly the model's classes `0..classes-1` (a binary model: 0 and 1). Only when exactly
 * one field fits: two candidates are a guess init leaves to `--label`.
 */
export function findLabelByClasses(sample: DataSample, classes: number, taken: ReadonlySet<string>): LabelField | null {
  const want = Array.from({ length: classes }, (_, i) => String(i));
  const fits = sample.fields.filter((f) => {
    if (taken.has(f.name) || f.shape === null || f.shape.length !== 0 || !addressable(f)) return false;
    if (f.kind === 'bool') return classes === 2;
    if (f.kind !== 'integer' || f.distinct === null) return false;
    const d = [...f.distinct].sort((a, b) => Number(a) - Number(b));
    return d.length === classes && d.every((v, i) => v === want[i]);
  });
  if (fits.length !== 1) return null;
  return { field: fits[0], values: labelValues(fits[0]), how: 'classes' };
}
