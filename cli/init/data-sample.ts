/**
 * The data sample `m4c init --data` maps to model inputs: the fields of the first rows (through the
 * sources' `inspectSample`) plus, for scalar fields that could be labels or slices, their distinct
 * values (read through `openSource`, so JSONL and CSV are handled by the same code as `m4c run`).
 */
import { resolve } from 'node:path';
import type { PlanInput } from '../../plan/plan-types.ts';
import { inspectSample, openSource, SourceError, type SampleField, type SourceFormat } from '../../runtime/sources/index.ts';
import type { DType } from '../../plan/tensor-type.ts';

/** Rows looked at: enough to see every category of a slice field, few enough to stay instant. */
export const SAMPLE_ROWS = 1000;
/** Distinct values kept per field; a field with more is not a category. */
const MAX_DISTINCT = 64;

/** A field of the sample with what init needs to know about it. */
export interface DataField extends SampleField {
  /** The name a `from "..."` clause uses: the path joined by dots (`payload.tx`). */
  name: string;
  /**
   * Distinct values among the sampled rows, for scalar string, integer and bool fields (as text;
   * at most {@link MAX_DISTINCT} + 1 are kept, so `distinct.length > MAX_DISTINCT` means "many").
   */
  distinct: string[] | null;
}

export interface DataSample {
  /** As the user gave it. */
  given: string;
  /** Absolute path. */
  path: string;
  format: SourceFormat;
  rows: number;
  fields: DataField[];
}

export type SampleRead = { ok: true; sample: DataSample } | { ok: false; message: string };

/** True when the field's distinct values were all kept (it is a category, not an id or a measure). */
export function isCategorical(f: DataField): boolean {
  return f.distinct !== null && f.distinct.length <= MAX_DISTINCT;
}

/**
 * Read the first {@link SAMPLE_ROWS} rows of `given` (relative to `cwd`). Never throws on a user
 * mistake: a missing or unreadable file, an unknown format or a file with no readable row is a
 * one-line message naming the file.
 */
export async function readDataSample(given: string, cwd: string, maxRows = SAMPLE_ROWS): Promise<SampleRead> {
  const path = resolve(cwd, given);
  try {
    const info = await inspectSample(path, maxRows);
    if (info.rows === 0) {
      const what = info.format === 'csv' ? 'CSV record' : 'JSON object';
      const why =
        info.badRows === 0
          ? 'it holds no data rows'
          : info.badRows === 1
            ? `its one row is not a valid ${what}`
            : `none of the ${info.badRows} rows read is a valid ${what}`;
      return { ok: false, message: `${given}: ${why}` };
    }
    const fields: DataField[] = info.fields.map((f) => ({ ...f, name: f.path.join('.'), distinct: null }));
    await collectDistinct(path, fields, maxRows);
    return { ok: true, sample: { given, path, format: info.format, rows: info.rows, fields } };
  } catch (err) {
    if (err instanceof SourceError) return { ok: false, message: `${given}: ${err.detail}` };
    throw err;
  }
}

const DISTINCT_DTYPE: Partial<Record<SampleField['kind'], DType>> = { string: 'str', integer: 'f64', bool: 'bool' };

async function collectDistinct(path: string, fields: DataField[], maxRows: number): Promise<void> {
  const wanted = fields.filter((f) => f.shape !== null && f.shape.length === 0 && DISTINCT_DTYPE[f.kind] !== undefined && f.present > 0);
  if (wanted.length === 0) return;
  const span = { file: '<init>', line: 1, column: 1, endLine: 1, endColumn: 1 };
  // Each field is optional so that one sparse field does not reject the rows the others are read from.
  const inputs: PlanInput[] = wanted.map((f, i) => ({
    name: `f${i}`,
    type: { dtype: DISTINCT_DTYPE[f.kind]!, dims: ['batch'] },
    optional: true,
    source: { kind: 'field', path: f.path },
    span,
  }));
  const seen = wanted.map(() => new Set<string>());
  const source = openSource(path, { inputs, batchSize: maxRows, limit: maxRows, onBadRow: 'skip' });
  try {
    for await (const batch of source) {
      wanted.forEach((_, i) => {
        const t = batch.tensors[`f${i}`];
        const set = seen[i]!;
        if (!t) return;
        for (let r = 0; r < t.data.length && set.size <= MAX_DISTINCT; r++) set.add(String(t.data[r]));
      });
    }
  } finally {
    await source.close();
  }
  wanted.forEach((f, i) => {
    if (seen[i]!.size > 0) f.distinct = [...seen[i]!].sort();
  });
}

/** `tx` (30 floats), `region` (text), `label` (integer): for messages listing what a sample holds. */
export function describeField(f: DataField): string {
  const kind = f.kind === 'float' ? 'number' : f.kind === 'integer' ? 'integer' : f.kind === 'string' ? 'text' : f.kind;
  if (f.shape === null) return `${f.name} (ragged list)`;
  if (f.shape.length === 0) return `${f.name} (${kind})`;
  return `${f.name} (${f.shape.join('×')} ${kind === 'number' ? 'numbers' : `${kind} values`})`;
}
