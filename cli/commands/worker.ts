/**
 * `m4c worker --queue redis://HOST:PORT`: take shard and merge jobs of distributed replays
 * (`m4c run FILE --data PATH --queue … --shards N`) until Ctrl-C or SIGTERM, then finish the job in hand
 * and stop. Run any number, on any machine that mounts the data, the models and the results store.
 *
 * Exit codes: 0 stopped, 2 bad options, 3 Redis unreachable at start.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { EXIT } from '../../plan/errors.ts';
import { checkQueueUrl, DEFAULT_QUEUE_PREFIX, shownQueueUrl } from '../../runtime/distributed/replay-queue.ts';
import { setCommandExit } from '../program.ts';
import { untilStopped } from '../until-stopped.ts';

interface WorkerOptions {
  queue: string;
  queuePrefix: string;
  concurrency: number;
  stallSeconds: number;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('run shard and merge jobs of distributed replays from a Redis queue (BullMQ) until stopped')
    .requiredOption('--queue <url>', 'the Redis server of the replay queue: redis://HOST:PORT', checkQueueUrl)
    .option('--queue-prefix <prefix>', 'Redis key prefix of the queue (the same as the submitting command)', DEFAULT_QUEUE_PREFIX)
    .option('--concurrency <n>', 'jobs at once in this process', (v) => Math.floor(positive(v)), 1)
    .option('--stall-seconds <s>', 'a job whose worker has not renewed its lock for this long is handed to another worker', positive, 30)
    .addHelpText(
      'after',
      `
Examples:
  $ m4c worker --queue redis://queue.internal:6379
  $ m4c worker --queue redis://queue.internal:6379 --concurrency 2

Data, model and SQLite paths in the jobs are absolute and must be readable (the results store writable)
from this machine: see docs/scale.md.
Exit codes: 0 stopped (Ctrl-C or SIGTERM), 2 bad options, 3 Redis unreachable at start.`,
    )
    .action(async (opts: WorkerOptions, cmd: Command) => {
      setCommandExit(cmd, await workerCommand(opts));
    });
}

async function workerCommand(o: WorkerOptions): Promise<number> {
  const { startReplayWorker } = await import('../../runtime/distributed/replay-worker.ts');
  const log = (line: string): void => {
    process.stderr.write(`m4c worker: ${line}\n`);
  };
  const worker = await startReplayWorker({ url: o.queue, prefix: o.queuePrefix, concurrency: o.concurrency, stallMs: o.stallSeconds * 1000, log });
  log(`waiting for jobs on ${shownQueueUrl(o.queue)} (prefix ${o.queuePrefix}); Ctrl-C to stop`);
  await untilStopped();
  log('stopping: finishing the job in hand');
  await worker.close();
  return EXIT.ok;
}
