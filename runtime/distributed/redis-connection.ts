/**
 * The Redis client of the replay queue (ioredis, the client BullMQ is built on). Kept apart from
 * replay-queue.ts so commands that only parse `--queue` do not load it.
 */
import { Redis } from 'ioredis';

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ's blocking commands need;
 * ioredis then reconnects forever, so callers bound how long they wait (see the submitter).
 */
export function redisConnection(url: string): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  // Connection errors are retried by ioredis and seen as stalls by the callers; unhandled they would crash.
  r.on('error', () => {});
  return r;
}
