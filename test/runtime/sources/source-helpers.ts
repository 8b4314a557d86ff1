/**
 * Helpers for the data-source tests: temporary files, plan inputs, and reading a whole source into
 * plain arrays so tests can compare runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';
import type { Dim, DType } from '../../../plan/tensor-type.ts';
import type { PlanInput } from '../../../plan/plan-types.ts';
import { openSource, type SourceTuning } from '../../../runtime/sources/open-source.ts';
import type { Batch, SourceOptions, SourceStats } from '../../../runtime/sources/source-types.ts';

const SPAN = { file: 'test.m4', line: 1, column: 1, endLine: 1, endColumn: 1 };

/** A temporary directory removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'm4-sources-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Write `content` to `dir/name` (gzip-compressed when the name ends with .gz); returns the path. */
export function writeData(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return path;
}

/** A `field` input: `field('tx', 'f32', ['batch', 30])`, path defaults to the name. */
export function field(name: string, dtype: DType, dims: Dim[], opts: { optional?: boolean; path?: string[] } = {}): PlanInput {
  return { name, type: { dtype, dims }, optional: opts.optional ?? false, source: { kind: 'field', path: opts.path ?? [name] }, span: SPAN };
}

/** A `columns` input gathering scalar fields into the last axis. */
export function columns(name: string, dtype: DType, paths: string[][], opts: { optional?: boolean; last?: Dim } = {}): PlanInput {
  return {
    name,
    type: { dtype, dims: ['batch', opts.last ?? paths.length] },
    optional: opts.optional ?? false,
    source: { kind: 'columns', paths },
    span: SPAN,
  };
}

/** Everything a source produced, flattened across batches. */
export interface ReadResult {
  batches: Batch[];
  rowIds: number[];
  lines: number[];
  /** Per input: all values in row order (bigint for i64, number for other numeric, string for str). */
  values: Record<string, unknown[]>;
  /** Per input: dims of the first batch's tensor without the row dim. */
  shapes: Record<string, number[]>;
  stats: SourceStats;
}

/** Read a whole source. */
export async function readAll(path: string, opts: Partial<SourceOptions> & { inputs: PlanInput[] }, tuning: SourceTuning = {}): Promise<ReadResult> {
  const src = openSource(path, { batchSize: 1024, onBadRow: 'skip', ...opts }, tuning);
  const out: ReadResult = { batches: [], rowIds: [], lines: [], values: {}, shapes: {}, stats: src.stats };
  for await (const b of src) {
    out.batches.push(b);
    for (let i = 0; i < b.rows; i++) {
      out.rowIds.push(b.rowIds[i]);
      out.lines.push(b.lines[i]);
    }
    for (const [name, t] of Object.entries(b.tensors)) {
      const values = (out.values[name] ??= []);
      const data = t.data as ArrayLike<unknown>;
      for (let i = 0; i < data.length; i++) values.push(data[i]);
      out.shapes[name] ??= t.dims.slice(1);
    }
  }
  return out;
}

/** JSONL text from objects (one per line, trailing newline). */
export function jsonl(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
