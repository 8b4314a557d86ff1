/**
 * `m4c dashboard [--db PATH] [--port N] [--host H]`: serve the results database as a local web app
 * (runs, a run's metrics and charts, trends, two runs side by side) until Ctrl-C.
 *
 * The database is opened read-only; the server binds 127.0.0.1 unless `--host` says otherwise.
 * Exit codes: 0 stopped with Ctrl-C or SIGTERM, 2 missing or foreign database, bad flag, port in use.
 */
import type { Command } from 'commander';
import { resolveResultsDb } from '../../dashboard/find-results-db.ts';
import { startDashboard } from '../../dashboard/server.ts';
import { storeOption } from '../db-option.ts';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { portNumber } from '../option-parsers.ts';
import { setCommandExit } from '../program.ts';
import { untilStopped } from '../until-stopped.ts';

/** The port when `--port` is not given. */
export const DEFAULT_DASHBOARD_PORT = 8780;

interface DashboardOptions {
  db?: string;
  port: number;
  host: string;
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description('browse a results database in a local web app: runs, metrics, charts, trends (read-only)')
    .option(
      '--db <path|url>',
      'the results database: an SQLite file (default: the one .db file in ./results/) or a postgres:// URL (read in READ ONLY transactions)',
      storeOption,
    )
    .option('--port <n>', 'port to listen on (0: any free port)', portNumber, DEFAULT_DASHBOARD_PORT)
    .option('--host <address>', 'address to bind; anything but 127.0.0.1/localhost exposes the results to your network', '127.0.0.1')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c dashboard --db results/ab.db
  $ m4c dashboard --db results/ab.db --port 9000
  $ m4c dashboard --db postgres://m4_reader@db.internal/m4

New runs written to the database appear without a restart.
Exit codes: 0 stopped (Ctrl-C), 2 missing or foreign database, bad option, or port in use.`,
    )
    .action(async (opts: DashboardOptions, cmd: Command) => {
      setCommandExit(cmd, await dashboardCommand(opts));
    });
}

async function dashboardCommand(o: DashboardOptions): Promise<number> {
  let running;
  try {
    running = await startDashboard({ db: resolveResultsDb(o.db), host: o.host, port: o.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${o.port} on ${o.host} is in use: choose another with --port`, EXIT.usage);
    if (code === 'EACCES') throw new CliError(`not allowed to listen on ${o.host}:${o.port}: choose a port above 1023 with --port`, EXIT.usage);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`cannot bind ${o.host}: not an address of this machine`, EXIT.usage);
    throw err;
  }
  process.stdout.write(`m4 dashboard: ${running.url}  (results: ${running.database}, read-only; Ctrl-C to stop)\n`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(o.host)) {
    process.stderr.write(`m4c: warning: listening on ${o.host}: anyone who can reach this machine can read these results\n`);
  }
  await untilStopped();
  await running.close();
  return EXIT.ok;
}
