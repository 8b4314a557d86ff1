/**
 * Shard state files: what `m4c run ... --shard I/N --state FILE` leaves behind and `m4c merge` reads.
 *
 * A state file is versioned JSON holding the plan's identity and comparisons (so merge needs no
 * `.m4` file), the shard, the data source's identity and statistics, the run's meta and every
 * comparison's accumulator state. Accumulators merge exactly, so merging the N shard states gives
 * the result one unsharded run would have given.
 *
 * Merging refuses, with one line each: files that are not state files or come from another m4
 * version, different plans (plan hash), different data (size and sha256 of everything read),
 * interrupted shards, shards that did not read their data to the end (`--limit`), shard sets that
 * are not exactly 1/N..N/N once each, and shards whose row counts do not add up to the file's.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ComparisonState } from '../stdlib/metrics/comparison-types.ts';
import { runFromStates, type ComparisonRun } from './comparison-run.ts';
import { graphIdentity } from './graph-identity.ts';
import { shardText } from './run-meta.ts';
import { M4_VERSION, STATE_FILE_FORMAT, STATE_FILE_VERSION } from '../plan/version.ts';
import type { DataSourceInfo, RunMeta, RunSubject } from '../plan/record-types.ts';
import { EXIT, M4Error, type ExitCode } from '../plan/errors.ts';
import { makeDirs } from './make-dirs.js';

/** The content of a state file. Plain JSON; accumulator arrays are base64. */
export interface StateFile {
  format: typeof STATE_FILE_FORMAT;
  state_file_version: typeof STATE_FILE_VERSION;
  plan_hash: string;
  /** 0-based; null for an unsharded run (merged as shard 1/1). */
  shard: { index: number; count: number } | null;
  data_source: DataSourceInfo | null;
  interrupted: boolean;
  meta: RunMeta;
  subject: RunSubject;
  /** Comparison name → accumulator state. */
  states: Record<string, ComparisonState>;
}

/**
 * A state file that cannot be read or merged (exit 2: the files given do not form one run) or written
 * (exit 3); one line, naming the file when there is one.
 */
export class StateFileError extends M4Error {
  constructor(message: string, exitCode: ExitCode = EXIT.usage) {
    super(message, exitCode);
  }
}

/** The state file content of a run (no I/O). */
export function stateFileOf(run: ComparisonRun, meta: RunMeta): StateFile {
  return {
    format: STATE_FILE_FORMAT,
    state_file_version: STATE_FILE_VERSION,
    plan_hash: run.subject.plan_hash,
    shard: meta.shard ?? run.shard,
    data_source: meta.data_source,
    interrupted: meta.interrupted,
    meta,
    subject: run.subject,
    states: run.states(),
  };
}

/**
 * Write a run's state file atomically (a temporary file renamed into place), so a killed process
 * leaves either the previous file or the complete new one. Throws StateFileError.
 */
export function writeStateFile(path: string, run: ComparisonRun, meta: RunMeta): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    makeDirs(dirname(path));
    writeFileSync(tmp, JSON.stringify(stateFileOf(run, meta)));
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new StateFileError(`cannot write state file ${path}: ${(err as Error).message}`, EXIT.runtime);
  }
}

/** Read and check one state file. Throws StateFileError. */
export function readStateFile(path: string): StateFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StateFileError(
      `cannot read state file ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new StateFileError(`${path} is not a state file: not JSON${text.length === 0 ? ' (empty)' : ''}`);
  }
  const o = v as Partial<StateFile> | null;
  if (o === null || typeof o !== 'object' || o.format !== STATE_FILE_FORMAT) {
    throw new StateFileError(`${path} is not an m4 state file (write one with \`m4c run ... --shard I/N --state FILE\`)`);
  }
  if (o.state_file_version !== STATE_FILE_VERSION) {
    throw new StateFileError(
      `${path} has state file version ${String(o.state_file_version)}; this m4 (${M4_VERSION}) reads version ${STATE_FILE_VERSION}` +
        (typeof o.state_file_version === 'number' && o.state_file_version < STATE_FILE_VERSION ? ': re-run its shard with this m4' : ''),
    );
  }
  if (typeof o.plan_hash !== 'string' || o.subject === undefined || o.states === undefined || o.meta === undefined) {
    throw new StateFileError(`${path} is an m4 state file with missing parts (plan_hash, subject, states, meta)`);
  }
  return o as StateFile;
}

const short = (h: string): string => h.slice(0, 12);

/** Check that the files are the complete, disjoint shards of one run; returns them in shard order. */
function checkShards(files: readonly { path: string; state: StateFile }[]): { path: string; state: StateFile }[] {
  if (files.length === 0) throw new StateFileError('no state files to merge');
  const first = files[0]!;
  for (const f of files) {
    if (f.state.plan_hash !== first.state.plan_hash) {
      throw new StateFileError(
        `state files come from different plans: ${first.path} has plan ${short(first.state.plan_hash)}, ${f.path} has ${short(f.state.plan_hash)}`,
      );
    }
    const sh = f.state.shard === null ? 'the run' : `shard ${shardText(f.state.shard)}`;
    if (f.state.interrupted) {
      throw new StateFileError(`${f.path}: ${sh} was interrupted before the end of its data; run it again`);
    }
    const d = f.state.data_source;
    if (d !== null && !d.complete) {
      throw new StateFileError(
        `${f.path}: ${sh} stopped before the end of its data (made with --limit?): it does not cover its part; run it again without --limit`,
      );
    }
    const a = first.state.data_source;
    const same = a === null || d === null ? a === d : a.bytes === d.bytes && a.sha256 === d.sha256 && a.rows_total === d.rows_total;
    if (!same) {
      const what = (x: DataSourceInfo | null) => (x === null ? 'no data file' : `${x.path} (${x.bytes} bytes, sha256 ${short(x.sha256)})`);
      throw new StateFileError(`state files come from different data: ${first.path} read ${what(a)}, ${f.path} read ${what(d)}`);
    }
  }
  const count = (f: { state: StateFile }) => f.state.shard?.count ?? 1;
  const n = count(first);
  const at = new Map<number, string>();
  for (const f of files) {
    if (count(f) !== n) {
      throw new StateFileError(`state files split the data differently: ${first.path} is one of ${n} shards, ${f.path} one of ${count(f)}`);
    }
    const i = f.state.shard?.index ?? 0;
    const prev = at.get(i);
    if (prev !== undefined) throw new StateFileError(`shard ${i + 1}/${n} is given twice: ${prev} and ${f.path}`);
    at.set(i, f.path);
  }
  const missing: string[] = [];
  for (let i = 0; i < n; i++) if (!at.has(i)) missing.push(`${i + 1}/${n}`);
  if (missing.length > 0) {
    throw new StateFileError(
      `missing shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: merge needs all ${n} shards of the run (got ${files.map((f) => basename(f.path)).join(', ')})`,
    );
  }
  const total = first.state.data_source?.rows_total;
  const seen = files.reduce((s, f) => s + f.state.meta.rows_seen, 0);
  if (total !== undefined && seen !== total) {
    throw new StateFileError(`the shards read ${seen} rows between them but the data has ${total}: they are not one complete replay of one file`);
  }
  return [...files].sort((x, y) => (x.state.shard?.index ?? 0) - (y.state.shard?.index ?? 0));
}

/** Meta of the merged run: counts summed, the earliest start, the latest end, a new run id. */
function mergedMeta(files: readonly { state: StateFile }[], subject: RunSubject): RunMeta {
  const metas = files.map((f) => f.state.meta);
  const skipped: Record<string, number> = {};
  for (const m of metas) for (const [k, v] of Object.entries(m.rows_skipped)) skipped[k] = (skipped[k] ?? 0) + v;
  const starts = metas.map((m) => m.started_at).sort();
  const ends = metas.map((m) => m.ended_at).sort();
  return {
    run_id: randomUUID(),
    plan_hash: subject.plan_hash,
    source_file: subject.source_file,
    graph_key: subject.graph_key ?? graphIdentity(subject.source_file),
    m4_version: M4_VERSION,
    plan_m4_version: subject.plan_m4_version,
    models: subject.models.map((m) => ({ ...m })),
    data_source: files[0]!.state.data_source,
    rows_seen: metas.reduce((s, m) => s + m.rows_seen, 0),
    rows_skipped: skipped,
    started_at: starts[0]!,
    ended_at: ends[ends.length - 1]!,
    shard: null,
    merged_shards: files.length,
    interrupted: false,
  };
}

/**
 * Merge the shard state files of one run into a finished-able run and its meta. Throws
 * StateFileError for files that do not belong together.
 */
export function mergeStateFiles(files: readonly { path: string; state: StateFile }[]): { run: ComparisonRun; meta: RunMeta } {
  const ordered = checkShards(files);
  const subject = ordered[0]!.state.subject;
  let run: ComparisonRun;
  try {
    run = runFromStates(
      subject,
      ordered.map((f) => f.state.states),
    );
  } catch (err) {
    throw new StateFileError(`cannot merge the states: ${(err as Error).message}`);
  }
  return { run, meta: mergedMeta(ordered, subject) };
}
