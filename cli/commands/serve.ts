/**
 * `m4c serve FILE`: the graph as an online service. The control answers; the treatment runs on the same
 * requests off the response path (shadow), or answers a sticky share of them (canary); every `compare`
 * block is evaluated on the live pairs in windows and cumulatively, each closed window a record in the
 * block's sinks; late labels arrive through `/v1/feedback`. See docs/serve.md.
 *
 * Lifecycle: SIGTERM/SIGINT stop accepting, answer what is in flight, finish shadow work (both within
 * --drain-timeout), write the last window and the cumulative record (by --write-timeout after that, or exit 3 naming
 * the sink and what was not written), exit 0. A second signal exits at once (130) and writes nothing more.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ENGINE_CHOICES, type EngineChoice } from '../../runtime/scheduler.ts';
import { SERVE_MODES, type ServeMode } from '../../runtime/serve/canary.ts';
import { startServe, type RunningServe } from '../../runtime/serve/server.ts';
import { openRunSinks, type RunSinks } from '../../runtime/sinks/run-sinks.ts';
import { subjectOf } from '../../runtime/run-meta.ts';
import { EXIT, M4Error } from '../../plan/errors.ts';
import { storeOption } from '../db-option.ts';
import { CliError } from '../exit-codes.ts';
import { intAtLeast, portNumber } from '../option-parsers.ts';
import { setCommandExit } from '../program.ts';
import { loadForRun } from './run.ts';
import { SHED_LOAD } from '../../runtime/serve/shadow-admission.ts';

/** The port when `--port` is not given. */
export const DEFAULT_SERVE_PORT = 8781;

interface ServeCliOptions {
  port: number;
  host: string;
  mode: ServeMode;
  percent?: number;
  stickyBy?: string;
  maxBatch: number;
  maxDelayMs: number;
  shadowQueue: number;
  shadowTimeoutMs: number;
  shadowShedLoad: number;
  window: { ms: number } | { rows: number };
  labelTtl: number;
  labelCapacity: number;
  stopShadowOnFail?: boolean;
  drainTimeout: number;
  writeTimeout: number;
  db?: string;
  bodyLimit: number;
  engine: EngineChoice;
  intraOpThreads: number;
  verifyModels: boolean;
  quiet?: boolean;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `60s`, `5m`, `1h` → milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (m === null || Number(m[1]) <= 0) throw new InvalidArgumentError('expected a duration such as 500ms, 60s, 5m or 1h');
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/** `60s` (a time window) or `1000` (a window of 1,000 paired rows). */
export function parseWindow(value: string): { ms: number } | { rows: number } {
  if (/^\d+$/.test(value.trim())) {
    const rows = Number(value);
    if (rows < 1) throw new InvalidArgumentError('a window of rows needs at least 1 row');
    return { rows };
  }
  return { ms: parseDuration(value) };
}

function percent(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a percentage in [0, 100]');
  return n;
}

/** A share in (0, 1]. */
function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError('expected a number in (0, 1]');
  return n;
}

/** `1048576`, `512kb`, `1mb` → bytes. */
function bytes(value: string): number {
  const m = /^(\d+)(b|kb|mb)?$/i.exec(value.trim());
  if (m === null) throw new InvalidArgumentError('expected a size such as 1048576, 512kb or 1mb');
  const n = Number(m[1]) * ({ b: 1, kb: 1024, mb: 1024 * 1024 }[(m[2] ?? 'b').toLowerCase()] ?? 1);
  if (n < 1) throw new InvalidArgumentError('the body limit must be at least 1 byte');
  return n;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the graph over HTTP: the control answers, the treatment runs in shadow (or canary), comparisons on live traffic')
    .argument('<file>', 'the .m4 file or plan .json')
    .option('--port <n>', 'port to listen on (0: any free port)', portNumber, DEFAULT_SERVE_PORT)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .addOption(
      new Option(
        '--mode <mode>',
        'shadow: the control answers, the treatment runs off the response path; canary: --percent of rows answered by the treatment; control: no treatment',
      )
        .choices([...SERVE_MODES])
        .default('shadow'),
    )
    .option('--percent <P>', 'canary: share of rows (0-100) the treatment answers', percent)
    .option('--sticky-by <field>', 'canary: hash this request field (e.g. user_id, payload.user) so a user keeps their arm')
    .option('--max-batch <n>', 'rows per executor batch at most', intAtLeast(1), 64)
    .option('--max-delay-ms <ms>', 'longest a row waits for others to share its batch while the arm is busy', intAtLeast(0), 2)
    .option('--shadow-queue <rows>', 'rows waiting for the shadow arm at most; beyond, shadow work is dropped (counted)', intAtLeast(1), 4096)
    .option(
      '--shadow-shed-load <U>',
      "shed shadow work (counted) while the answers' thread runs or waits for a CPU at least this share (0-1] of the time; 1: never",
      share,
      SHED_LOAD,
    )
    .option('--shadow-timeout-ms <ms>', 'a shadow batch not done by then is given up (counted)', intAtLeast(1), 1000)
    // The defaults are shown as they are written on the command line, not as the parsed values.
    .addOption(
      new Option('--window <60s|N>', 'comparison window: a duration (500ms, 60s, 5m, 1h) or a number of paired rows')
        .argParser(parseWindow)
        .default({ ms: 60_000 }, '60s'),
    )
    .addOption(new Option('--label-ttl <duration>', 'how long a prediction waits for its label').argParser(parseDuration).default(3_600_000, '1h'))
    .option('--label-capacity <n>', 'predictions awaiting labels at most (the oldest are evicted, counted)', intAtLeast(1), 100_000)
    .option('--stop-shadow-on-fail', 'when a gate fails on the cumulative state, send no more traffic to the treatment')
    .addOption(
      new Option(
        '--drain-timeout <duration>',
        'after SIGTERM/SIGINT, how long to wait for requests in flight and queued shadow work before closing connections and giving the shadow work up (counted)',
      )
        .argParser(parseDuration)
        .default(10_000, '10s'),
    )
    .addOption(
      new Option(
        '--write-timeout <duration>',
        'after --drain-timeout, how long closing the last window and writing it and the cumulative record may take; then exit 3 naming the sink and what was not written',
      )
        .argParser(parseDuration)
        .default(10_000, '10s'),
    )
    .option(
      '--db <path|url>',
      "write every comparison's window records to this SQLite file or postgres:// database instead of the sinks the file declares",
      storeOption,
    )
    .addOption(new Option('--body-limit <size>', 'largest request body (413 beyond)').argParser(bytes).default(1024 * 1024, '1mb'))
    .addOption(
      new Option('--engine <engine>', "where the answering arms' models run (the shadow arm's run on its own thread)")
        .choices([...ENGINE_CHOICES])
        .default('auto'),
    )
    .option('--intra-op-threads <n>', 'onnxruntime threads per model session', intAtLeast(1), 1)
    .option('--no-verify-models', 'do not check model files against the sha256 recorded in the plan')
    .option('-q, --quiet', 'no log lines on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c serve examples/fraud/ab.m4                                   (shadow mode on 127.0.0.1:8781)
  $ m4c serve examples/fraud/ab.m4 --mode canary --percent 5 --sticky-by user_id
  $ m4c serve examples/fraud/ab.m4 --window 5m --stop-shadow-on-fail --db results/live.db

Endpoints: POST /v1/predict, POST /v1/feedback, GET /metrics, /healthz, /readyz, /v1/graph, /v1/comparisons.
Exit codes: 0 stopped by SIGTERM/SIGINT after writing the last window, 2 usage or compile error,
3 a model or the sink failed at start-up, or the last records were not written (a sink failed, or did not
answer by --drain-timeout + --write-timeout after the signal), 130 a second signal (nothing more written).`,
    )
    .action(async (file: string, opts: ServeCliOptions, cmd: Command) => {
      setCommandExit(cmd, await serveCommand(file, opts));
    });
}

function checkFlags(o: ServeCliOptions): void {
  if (o.mode === 'canary' && o.percent === undefined) throw new CliError('--mode canary needs --percent P (the share of rows the treatment answers)');
  if (o.mode !== 'canary' && (o.percent !== undefined || o.stickyBy !== undefined))
    throw new CliError('--percent and --sticky-by only apply to --mode canary');
}

async function serveCommand(file: string, o: ServeCliOptions): Promise<number> {
  checkFlags(o);
  const loaded = loadForRun(file, o.verifyModels);
  const log = (line: string): void => {
    if (!o.quiet) process.stderr.write(`m4c serve: ${line}\n`);
  };
  let sinks: RunSinks | null = null;
  let running: RunningServe;
  try {
    if (loaded.plan.comparisons.length > 0 && o.mode !== 'control') sinks = await openRunSinks(subjectOf(loaded.plan), { db: o.db });
    running = await startServe(loaded, {
      host: o.host,
      port: o.port,
      bodyLimit: o.bodyLimit,
      mode: o.mode,
      percent: o.percent ?? 0,
      stickyBy: o.stickyBy,
      maxBatch: o.maxBatch,
      maxDelayMs: o.maxDelayMs,
      shadowQueueRows: o.shadowQueue,
      shadowTimeoutMs: o.shadowTimeoutMs,
      shadowShedLoad: o.shadowShedLoad,
      window: o.window,
      labelTtlMs: o.labelTtl,
      labelCapacity: o.labelCapacity,
      stopShadowOnFail: o.stopShadowOnFail === true,
      drainTimeoutMs: o.drainTimeout,
      writeTimeoutMs: o.writeTimeout,
      engine: o.engine,
      intraOpThreads: o.intraOpThreads,
      sinks,
      log,
    });
  } catch (err) {
    await sinks?.close();
    throw cliErrorOf(err, o);
  }
  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      // A second signal means "now": no drain, no last window — nothing that looks like a complete record.
      // No new model call starts and the calls in progress end first (a process exiting while a worker is
      // inside onnxruntime aborts): that is one model call's wait, bounded by the timer.
      if (signals > 1) {
        setTimeout(() => process.exit(EXIT.interrupted), 5000).unref();
        void running.halt().finally(() => process.exit(EXIT.interrupted));
        return;
      }
      log(`${sig}: draining (a second signal exits at once)`);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  try {
    await running.ready;
  } catch (err) {
    await running.shutdown().catch(() => {});
    await sinks?.close();
    throw cliErrorOf(err, o);
  }
  const where = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${running.port}`;
  // One line on stdout, so scripts (and tests) can read the port when --port 0 — unless a signal came while the
  // models were loading (a model call cannot be cut short, so the drain waited for them): nothing was served then.
  if (signals > 0) log('stopped while the models were loading: no request was answered');
  else process.stdout.write(`m4c serve: listening on ${where} (mode ${o.mode}, serve run ${running.service.runId})\n`);
  await stopped;
  try {
    await running.shutdown();
  } catch (err) {
    // The last records were not all written (a sink failed, or did not answer in time): exit 3, the message naming the
    // sink and what is missing. Nothing more is written; what may still hold the process (a connection to a server
    // that does not answer, a thread) must not, once no model call runs (exiting inside onnxruntime aborts; 5 s at most).
    void Promise.race([running.halt(), new Promise((r) => setTimeout(r, 5000).unref())]).then(() =>
      setTimeout(() => process.exit(EXIT.runtime), 100).unref(),
    );
    void Promise.resolve(sinks?.close()).catch(() => {});
    throw cliErrorOf(err, o);
  }
  await sinks?.close();
  log('stopped: last window written');
  return EXIT.ok;
}

function cliErrorOf(err: unknown, o: ServeCliOptions): unknown {
  // Every user error (plan, sink, model, an output reading both arms) carries its own exit code.
  if (err instanceof M4Error) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new CliError(`port ${o.port} on ${o.host} is in use: choose another with --port`, EXIT.usage);
  if (code === 'EACCES') return new CliError(`not allowed to listen on ${o.host}:${o.port}: choose a port above 1023 with --port`, EXIT.usage);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new CliError(`cannot bind ${o.host}: not an address of this machine`, EXIT.usage);
  return err;
}
