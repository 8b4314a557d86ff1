/**
 * The replay queue on BullMQ (Redis): names, connections and the job payloads shared by the submitting
 * `m4c run --queue` and the `m4c worker` processes.
 *
 * A replay is one BullMQ flow: a parent `merge` job whose children are the N `shard` jobs. A shard job
 * returns its shard's accumulator state (stored by BullMQ with the job); when every child has completed,
 * BullMQ hands the parent to a worker, which merges the children's states — keyed by shard index, so a
 * retried shard replaces its own earlier attempt and is never counted twice — and writes the one record.
 */
import { EXIT, M4Error } from '../../plan/errors.ts';
import type { RunOutcome } from '../comparison-run.ts';
import type { ShardTask } from './run-shard.ts';

/** The BullMQ queue every replay job goes through (under the key prefix). */
export const REPLAY_QUEUE = 'm4-replay';
/** Default Redis key prefix; several teams can share a Redis with different prefixes. */
export const DEFAULT_QUEUE_PREFIX = 'm4';

/** A shard job: one shard of one replay. */
export interface ShardJobData extends ShardTask {
  kind: 'shard';
  replay: string;
}

/** The parent job: merge the shards' states, write the record. */
export interface MergeJobData {
  kind: 'merge';
  replay: string;
  shards: number;
  /** `--db` of the submitting command (path or URL as the workers see it), or null for the plan's sinks. */
  db: string | null;
}

/** What the merge job returns to the submitter. */
export interface MergeJobResult {
  outcome: RunOutcome;
  /** Where the record went, as the sinks describe themselves. */
  sinks: string[];
  /** True when an earlier attempt of this merge had already written the record. */
  alreadyRecorded: boolean;
}

/** A replay that cannot be submitted, followed or finished: one line, exit 3 (2 for bad options). */
export class ReplayError extends M4Error {}

/** The URL of a Redis server, checked: `redis://` or `rediss://`. Throws ReplayError (usage). */
export function checkQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ReplayError(`--queue ${JSON.stringify(url)} is not a URL: give redis://HOST:PORT`, EXIT.usage);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new ReplayError(`--queue must be a redis://HOST:PORT URL, not ${u.protocol}//`, EXIT.usage);
  return url;
}

/** The URL without its password, for messages. */
export function shownQueueUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'redis://…';
  }
}

/** Job ids are deterministic per replay: a resubmitted job id is refused by BullMQ, never run twice. */
export const shardJobId = (replay: string, index: number): string => `${replay}-shard-${index}`;
export const mergeJobId = (replay: string): string => `${replay}-merge`;
