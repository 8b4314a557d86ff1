/**
 * Which results database `m4c dashboard` and `m4c report` read when `--db` is not given: the one
 * `.db` file in `./results/` (where the examples' `sink sqlite("results/...")` write). Anything
 * else is ambiguous and the user is asked for `--db`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ResultsDbError } from './results-db.ts';

export const DEFAULT_RESULTS_DIR = 'results';

/** `explicit` when given; otherwise the single `results/*.db` under `cwd`. Throws ResultsDbError (one line). */
export function resolveResultsDb(explicit: string | undefined, cwd: string = process.cwd()): string {
  if (explicit !== undefined) return explicit;
  let names: string[] = [];
  try {
    names = readdirSync(join(cwd, DEFAULT_RESULTS_DIR))
      .filter((n) => n.endsWith('.db'))
      .sort();
  } catch {
    /* no results/ folder: reported below */
  }
  if (names.length === 1) return join(DEFAULT_RESULTS_DIR, names[0]!);
  if (names.length === 0) throw new ResultsDbError(`no results database in ./${DEFAULT_RESULTS_DIR}/: give one with --db PATH`);
  throw new ResultsDbError(`several results databases in ./${DEFAULT_RESULTS_DIR}/ (${names.join(', ')}): choose one with --db PATH`);
}
