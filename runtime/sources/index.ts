/**
 * Data sources: recorded rows (JSONL or CSV, optionally gzip-compressed) → batches of tensors.
 * See docs/data.md for the user-facing rules (field mapping, bad rows, shards).
 */
export { openSource, formatOf, isColumnarData, COLUMNAR_BATCH_SIZE, type SourceTuning } from './open-source.ts';
export { inspectSample, type SampleField, type SampleInfo, type SampleKind } from './inspect-sample.ts';
export { SourceError, type SourceErrorReason } from './source-error.ts';
export { recordRejectedRows } from './bad-row.ts';
export {
  BAD_ROW_REASONS,
  type BadRowReason,
  type Batch,
  type BadRowExample,
  type DataSource,
  type SourceFormat,
  type SourceOptions,
  type SourceStats,
} from './source-types.ts';
