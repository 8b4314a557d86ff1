/**
 * `inspectSample`: what fields the first rows of a data file hold, with their shapes and element
 * kinds, so `m4c init` can map fields to model inputs without the user describing the data.
 */
import { statSync } from 'node:fs';
import type { Dim, TensorType } from '../../plan/tensor-type.ts';
import { BadRow } from './bad-row.ts';
import { CsvRecordReader } from './csv-record.ts';
import { JsonSyntaxError, parseJsonLenient, parseJsonRow } from './json-row.ts';
import { formatOf } from './open-source.ts';
import { SourceError } from './source-error.ts';
import type { SourceFormat } from './source-types.ts';
import { TextBlockReader } from './text-block-reader.ts';

/** Kind of a field's values (of its elements, for lists) over the sampled rows. */
export type SampleKind = 'float' | 'integer' | 'bool' | 'string' | 'null' | 'object' | 'mixed';

/** One field seen in the sample (a JSON leaf — nested objects are walked — or a CSV column). */
export interface SampleField {
  /** Path of the field: `['payload', 'tx']` for a nested JSON field, `['f3']` for a CSV column. */
  path: string[];
  kind: SampleKind;
  /** Shape of one row's value: `[]` scalar, `[30]` list, `[2, 3]` nested; null if it varies or is ragged. */
  shape: number[] | null;
  /** Sampled rows in which the field is present (CSV: the cell is not empty). */
  present: number;
  /** An input type that reads this field (`f32[batch, 30]`), or null when none fits. */
  suggested: TensorType | null;
  /** True when some sampled rows lack the field. */
  optional: boolean;
}

/** What `inspectSample` found in the first rows of a file. */
export interface SampleInfo {
  format: SourceFormat;
  /** Rows sampled (blank lines and the CSV header excluded; rows that are not valid JSON/CSV excluded). */
  rows: number;
  /** Rows in the sample that could not be read at all (invalid JSON, not an object, bad CSV). */
  badRows: number;
  /** In order of first appearance. */
  fields: SampleField[];
}

interface FieldAcc {
  path: string[];
  kinds: Set<SampleKind>;
  shape: number[] | null | undefined;
  present: number;
}

/** Look at the first `maxRows` rows of a file (JSONL or CSV, optionally .gz). */
export async function inspectSample(path: string, maxRows: number, format?: SourceFormat): Promise<SampleInfo> {
  const f = formatOf(path, format);
  try {
    if (statSync(path).isDirectory()) throw new SourceError(path, null, 'unreadable', 'is a directory, not a data file');
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(path, null, 'unreadable', (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
  if (f.format === 'parquet' || f.format === 'arrow') return inspectColumnar(path, maxRows, f.format);
  const reader = new TextBlockReader(path, path, { gzip: f.gzip });
  const fields = new Map<string, FieldAcc>();
  let rows = 0;
  let badRows = 0;
  const csv = f.format === 'csv' ? new CsvRecordReader() : null;
  let header: string[] | null = null;
  let text: Buffer = Buffer.alloc(0);
  let pos = 0;
  let eof = false;
  try {
    outer: while (rows + badRows < maxRows) {
      for (;;) {
        if (rows + badRows >= maxRows) break outer;
        if (pos >= text.length) break;
        const nl = csv ? csv.recordEnd(text, pos, eof) : lineEnd(text, pos, eof);
        if (nl < 0) break;
        let end = nl;
        if (end > pos && text[end - 1] === 13) end--;
        const start = pos;
        pos = nl + 1;
        if (text.toString('utf8', start, end).trim() === '') continue;
        if (csv) {
          const err = csv.split(text, start, end);
          if (header === null) {
            if (err !== null) throw new SourceError(path, null, 'bad-csv', `header: ${err}`);
            header = Array.from({ length: csv.count }, (_, k) => csv.cell(k));
            continue;
          }
          if (err !== null || csv.count !== header.length) {
            badRows++;
            continue;
          }
          rows++;
          for (let k = 0; k < csv.count; k++) {
            if (csv.isBlank(k)) continue;
            observe(fields, [header[k]], csvCellValue(csv, k));
          }
        } else {
          const row = parseJsonRow(text.toString('utf8', start, end));
          if (row instanceof BadRow) {
            badRows++;
            continue;
          }
          rows++;
          walk(fields, [], row);
        }
      }
      if (eof) break;
      const block = await reader.next();
      if (block === null) eof = true;
      else {
        text = Buffer.concat([text.subarray(pos), block]);
        pos = 0;
        csv?.beginBlock();
      }
    }
  } finally {
    reader.close();
  }
  if (csv && header !== null) {
    // Columns never filled in the sample still exist; list them so a mapping can name them.
    for (const name of header) if (!fields.has(name)) fields.set(name, { path: [name], kinds: new Set(['null']), shape: [], present: 0 });
  }
  return {
    format: f.format,
    rows,
    badRows,
    fields: [...fields.values()].map((a) => summarize(a, rows)),
  };
}

/**
 * A Parquet or Arrow file: every leaf column (struct fields as nested paths), its values over the
 * first `maxRows` rows; a column stored as floats is a float column even when its values are whole.
 */
async function inspectColumnar(path: string, maxRows: number, format: 'parquet' | 'arrow'): Promise<SampleInfo> {
  // Loaded only for a columnar file (see open-source.ts).
  const file = await (format === 'parquet'
    ? (await import('./parquet-file.ts')).openParquet(path)
    : (await import('./arrow-file.ts')).openArrow(path));
  const fields = new Map<string, FieldAcc>();
  let rows = 0;
  try {
    const leaves = file.columns.filter((c) => !file.columns.some((o) => o.startsWith(`${c}.`)));
    const paths = leaves.map(splitColumn(file.columns));
    for (const p of paths) fields.set(p.join('\u0000'), { path: p, kinds: new Set(), shape: undefined, present: 0 });
    for (let g = 0; g < file.groupRows.length && rows < maxRows; g++) {
      const chunks = await file.readGroup(g, paths);
      const n = Math.min(file.groupRows[g]!, maxRows - rows);
      chunks.forEach((c, k) => {
        const acc = fields.get(paths[k]!.join('\u0000'))!;
        const floats = file.floatColumns.has(paths[k]!.join('.'));
        for (let i = 0; i < n; i++) {
          const v = c.get(i);
          if (v !== null) observe(fields, paths[k]!, v);
        }
        if (floats && acc.kinds.delete('integer')) acc.kinds.add('float');
      });
      rows += n;
    }
  } finally {
    await file.close();
  }
  for (const a of fields.values())
    if (a.kinds.size === 0) {
      a.kinds.add('null');
      a.shape ??= [];
    }
  return { format, rows, badRows: 0, fields: [...fields.values()].map((a) => summarize(a, rows)) };
}

/** A column key back to its path: a key the file has whole (`a.b` as one name) stays one name. */
function splitColumn(columns: readonly string[]): (key: string) => string[] {
  return (key) => {
    const parts = key.split('.');
    for (let k = 1; k < parts.length; k++) if (!columns.includes(parts.slice(0, k).join('.'))) return [key];
    return parts;
  };
}

/** The decimal numbers a CSV source reads (see `parseDecimalCell`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function lineEnd(text: Buffer, pos: number, eof: boolean): number {
  const nl = text.indexOf(10, pos);
  return nl >= 0 ? nl : eof ? text.length : -1;
}

/** A CSV cell as the value a source would read: a JSON list, a number, a boolean or text. */
function csvCellValue(csv: CsvRecordReader, k: number): unknown {
  const text = csv.cell(k);
  const t = text.trim();
  if (t.startsWith('[')) {
    const v = parseJsonLenient(t);
    if (!(v instanceof JsonSyntaxError)) return v;
  }
  if (DECIMAL.test(t)) return Number(t);
  const lower = t.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  return text;
}

/** Record every leaf of a JSON object: nested objects are walked, lists are leaves. */
function walk(fields: Map<string, FieldAcc>, prefix: string[], obj: object): void {
  for (const [key, v] of Object.entries(obj)) {
    const path = [...prefix, key];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(fields, path, v);
    else observe(fields, path, v);
  }
}

function observe(fields: Map<string, FieldAcc>, path: string[], v: unknown): void {
  const key = path.join('\u0000');
  let acc = fields.get(key);
  if (!acc) {
    acc = { path, kinds: new Set(), shape: undefined, present: 0 };
    fields.set(key, acc);
  }
  acc.present++;
  const shape = shapeOf(v, acc.kinds);
  if (acc.shape === undefined) acc.shape = shape;
  else if (acc.shape !== null && (shape === null || !sameShape(acc.shape, shape))) acc.shape = null;
}

/** Rectangular shape of nested lists (null if ragged), adding element kinds to `kinds`. */
function shapeOf(v: unknown, kinds: Set<SampleKind>): number[] | null {
  if (!Array.isArray(v)) {
    kinds.add(kindOf(v));
    return [];
  }
  let inner: number[] | null | undefined;
  for (const e of v) {
    const s = shapeOf(e, kinds);
    if (inner === undefined) inner = s;
    else if (inner !== null && (s === null || !sameShape(inner, s))) inner = null;
  }
  if (inner === null) return null;
  return [v.length, ...(inner ?? [])];
}

function kindOf(v: unknown): SampleKind {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'float';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function summarize(a: FieldAcc, rows: number): SampleField {
  const kinds = new Set(a.kinds);
  // Nulls (missing values) do not change what the field is; integers among floats are floats.
  if (kinds.size > 1) kinds.delete('null');
  if (kinds.has('float')) kinds.delete('integer');
  const kind: SampleKind = kinds.size === 1 ? [...kinds][0] : 'mixed';
  const shape = a.shape ?? null;
  let suggested: TensorType | null = null;
  const dtype = kind === 'float' ? 'f32' : kind === 'integer' ? 'i64' : kind === 'bool' ? 'bool' : kind === 'string' ? 'str' : null;
  if (dtype !== null && shape !== null) suggested = { dtype, dims: ['batch' as Dim, ...shape] };
  return { path: a.path, kind, shape, present: a.present, suggested, optional: a.present < rows };
}
