/**
 * Every version and format constant of m4 in one place: the toolchain's own version and the version of
 * each JSON document that crosses a process or storage boundary (plans, results, accumulator states,
 * shard state files, run records). Any incompatible change of a document bumps its constant here.
 */
import pkg from '../package.json' with { type: 'json' };

/** The m4 version, from package.json (one source of truth): written into plans, records and state files. */
export const M4_VERSION: string = pkg.version;

/** Version of the execution plan (plan-types.ts, plan.schema.json's `format_version` const). */
export const PLAN_FORMAT_VERSION = 1;

/** Version of a comparison result (result-types.ts `ComparisonResult`). */
export const COMPARISON_RESULT_VERSION = 1;

/**
 * Version of a serialized comparison accumulator (stdlib/metrics `ComparisonState`). 2: the bank
 * streams the point estimate only (resamples are built at result time). 3: a multiclass bank keeps
 * the joint (label, predictions, top-k hits) table when it is small. 4: the point estimate's sums and
 * moments are exact partials (stdlib/metrics/exact-sum.ts), so merges are bit-for-bit; older states
 * are refused (their compensated sums cannot be made exact).
 */
export const COMPARISON_STATE_VERSION = 4;

/** Version of the `--format json` report (runtime/report/report.schema.json). 2: the data identity of `RUN_RECORD_VERSION` 2. */
export const REPORT_VERSION = 2;

/**
 * Version of the record a sink stores for one comparison of one run (record-types.ts `RunRecord`).
 * 2: `meta.data_source` identifies all the data read (`sha256`, `complete`, `rows_total`), not its first 64 KiB.
 */
export const RUN_RECORD_VERSION = 2;

/** Marks a JSON file as an m4 shard state file (`m4c run --shard I/N --state FILE`). */
export const STATE_FILE_FORMAT = 'm4-shard-state';

/**
 * Version of a shard state file; `m4c merge` refuses other versions. 2: the data identity of
 * `RUN_RECORD_VERSION` 2. 3: its comparison states are `COMPARISON_STATE_VERSION` 4 (exact sums).
 */
export const STATE_FILE_VERSION = 3;
