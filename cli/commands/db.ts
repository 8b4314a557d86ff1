/**
 * `m4c db migrate --db PATH|URL` and `m4c db copy --from PATH|URL --to PATH|URL`: look after a results
 * store. `migrate` creates the store or brings it to this m4's schema (what every writer also does when
 * it opens one; run it once by hand before giving a dashboard's read-only role access). `copy` moves a
 * history — typically an SQLite file into the team's PostgreSQL — one transaction per run, skipping runs
 * the target already holds, so it can be run again after an interruption.
 *
 * Exit codes: 0 done, 2 bad options or an unreadable source, 3 the target cannot be written.
 */
import type { Command } from 'commander';
import { copyStore, migrateStore } from '../../runtime/sinks/store-admin.ts';
import { redactUrl } from '../../runtime/sinks/store-location.ts';
import { storeOption } from '../db-option.ts';
import { EXIT } from '../../plan/errors.ts';
import { setCommandExit } from '../program.ts';

export function register(program: Command): void {
  const db = program.command('db').description("results stores: migrate one to this m4's schema, copy runs from one to another");
  db.command('migrate')
    .description("create a results store or bring it to this m4's schema version")
    .requiredOption('--db <path|url>', 'an SQLite file or a postgres:// URL', storeOption)
    .addHelpText(
      'after',
      `
Examples:
  $ m4c db migrate --db results/ab.db
  $ m4c db migrate --db postgres://m4_writer@db.internal:5432/m4

Exit codes: 0 done, 2 bad options, 3 the store cannot be created or migrated (or is newer than this m4).`,
    )
    .action(async (opts: { db: string }, cmd: Command) => {
      setCommandExit(
        cmd,
        await run(async () => {
          const r = await migrateStore(opts.db);
          process.stderr.write(
            r.from === r.to
              ? `m4c db: ${r.label} is at schema version ${r.to}, nothing to do\n`
              : `m4c db: ${r.label} migrated from schema version ${r.from} to ${r.to}\n`,
          );
        }),
      );
    });
  db.command('copy')
    .description('copy every run of one results store into another (skipping runs it already holds)')
    .requiredOption('--from <path|url>', 'the source store, read only', storeOption)
    .requiredOption('--to <path|url>', 'the target store, created or migrated first', storeOption)
    .addHelpText(
      'after',
      `
Examples:
  $ m4c db copy --from results/ab.db --to postgres://m4_writer@db.internal/m4
  $ m4c db copy --from "$M4_DATABASE_URL" --to backup.db

Each run is copied in one transaction of the target; run ids are the target's own. Running the copy
again copies only what is missing.
Exit codes: 0 done, 2 bad options or an unreadable source, 3 the target cannot be written.`,
    )
    .action(async (opts: { from: string; to: string }, cmd: Command) => {
      setCommandExit(
        cmd,
        await run(async () => {
          const tty = process.stderr.isTTY === true;
          const r = await copyStore(opts.from, opts.to, tty ? (done, total) => process.stderr.write(`\rm4c db: ${done}/${total} runs`) : undefined);
          if (tty) process.stderr.write('\n');
          process.stderr.write(
            `m4c db: copied ${r.copied} run${r.copied === 1 ? '' : 's'} to ${redactUrl(opts.to)}${r.skipped > 0 ? ` (${r.skipped} already there, skipped)` : ''}\n`,
          );
        }),
      );
    });
}

/** Run the action; its errors (SinkError: exit 3, StoreReadError: exit 2) carry their own exit codes. */
async function run(body: () => Promise<void>): Promise<number> {
  await body();
  return EXIT.ok;
}
