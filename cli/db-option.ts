/**
 * The value of every `--db` (and `--from`/`--to`) option: an SQLite file path or a postgres:// URL.
 * Checked when the arguments are parsed, so `--db mysql://h/db` is a usage error (exit 2) before anything
 * runs — it used to create an SQLite file named `mysql:` in the working directory.
 */
import { InvalidArgumentError } from 'commander';
import { parseStoreLocation } from '../runtime/sinks/store-location.ts';

/** commander argument parser for a results store location. */
export function storeOption(value: string): string {
  try {
    parseStoreLocation(value);
  } catch (err) {
    const m = /unknown database URL scheme .*/.exec((err as Error).message);
    throw new InvalidArgumentError(m?.[0] ?? (err as Error).message);
  }
  return value;
}
