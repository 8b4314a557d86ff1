/**
 * Distributed replay on BullMQ with real processes and a real Redis: `m4c worker` processes take the
 * shard jobs of `m4c run --queue … --shards N`, one of them merges, and the record equals the unsharded
 * run's metric for metric. A worker killed mid-shard has its shard retried by another, with the same
 * record; a Redis restarted (without persistence) mid-replay ends the replay with a clear error and no
 * record. Relative data paths are refused.
 */
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runM4c } from '../../support/run-cli.ts';
import { findRedis, freshPrefix } from '../../support/services.ts';
import { expectSameRecord, m4cProcess, privateRedis, startWorkers, stopAll, storedRecord, writeGraph, type M4cProcess } from './support.ts';

const redis = await findRedis();
const dir = mkdtempSync(join(tmpdir(), 'm4-distributed-'));
const { graph, data } = writeGraph(dir, 24_000);
let single: ReturnType<typeof storedRecord>;
const running: M4cProcess[] = [];

beforeAll(() => {
  const r = runM4c(['run', graph, '--data', data, '--db', join(dir, 'single.db'), '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  single = storedRecord(join(dir, 'single.db'));
}, 120_000);

afterAll(async () => {
  await stopAll(running);
});

it.runIf(redis === null)('Redis is reachable (this suite was skipped)', () => {
  expect.fail('no Redis server: set M4_TEST_REDIS_URL or start one (.ci/run)');
});

it('refuses a relative data path, which a remote worker could not read', () => {
  const r = runM4c(['run', graph, '--data', 'replay.jsonl', '--queue', 'redis://127.0.0.1:1', '--shards', '2'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /^m4c: --data replay\.jsonl is relative: workers on other machines would resolve it against their own directory\. Give an absolute path on storage every worker mounts/m,
  );
  const noShards = runM4c(['run', graph, '--data', data, '--queue', 'redis://127.0.0.1:1']);
  expect(noShards.stderr).toContain('--queue needs --shards N');
  // Nothing listens on port 1: a worker and a submitter say so instead of waiting mutely.
  const worker = runM4c(['worker', '--queue', 'redis://127.0.0.1:1']);
  expect(worker).toMatchObject({ code: 3, stderr: 'm4c: cannot reach Redis at redis://127.0.0.1:1 (no answer in 10 s)\n' });
}, 60_000);

describe.runIf(redis !== null)('on the shared Redis (own key prefix)', () => {
  it('3 workers, 12 shards: the merged record equals the unsharded run, metric for metric', async () => {
    const prefix = freshPrefix('dist');
    const workers = await startWorkers(3, redis!, prefix);
    running.push(...workers);
    const db = join(dir, 'distributed.db');
    // Run asynchronously: a blocking spawn would hold back the workers' log until the end.
    const submit = m4cProcess(['run', graph, '--data', data, '--queue', redis!, '--queue-prefix', prefix, '--shards', '12', '--db', db]);
    running.push(submit);
    expect((await submit.exited).code, submit.stderr()).toBe(0);
    expect(submit.stderr()).toMatch(/m4c run: replay r-[0-9a-f-]+ submitted as 12 shard jobs/);
    expect(submit.stderr()).toMatch(
      /m4c run: 12\/12 shards done, 24,000 rows in [\d.]+ s \([\d,]+ rows\/s\); record written to sqlite .*distributed\.db/,
    );
    expect(submit.stdout()).toContain('PASS: the gate passed');
    await Promise.any(workers.map((w) => w.waitFor(/merge: 12 shards merged/, 10_000)));
    expectSameRecord(storedRecord(db), single, 12);
    // Every shard ran exactly once, spread over the workers; one merge.
    const log = workers.map((w) => w.stderr()).join('');
    for (let i = 1; i <= 12; i++) expect(log.match(new RegExp(`shard ${i}/12: done`, 'g')), `shard ${i}`).toHaveLength(1);
    expect(log.match(/merge: 12 shards merged in [\d.]+ s, record written/g)).toHaveLength(1);
    expect(workers.filter((w) => /: done,/.test(w.stderr())).length).toBeGreaterThan(1);
    // A worker creates its executor (model sessions) for its first shard and reuses it for the next ones.
    const ran = workers.filter((w) => /: done,/.test(w.stderr())).length;
    expect(log.match(/: done, \d+ rows in [\d.]+ s \(plan [\d.]+ s, models [\d.]+ s reused,/g) ?? []).toHaveLength(12 - ran);
    await stopAll(workers);
  }, 300_000);

  it('a worker killed mid-shard: the shard is retried by another worker and the record is still equal', async () => {
    const prefix = freshPrefix('kill');
    const workers = await startWorkers(3, redis!, prefix, 2);
    running.push(...workers);
    const db = join(dir, 'killed.db');
    const submit = m4cProcess(['run', graph, '--data', data, '--queue', redis!, '--queue-prefix', prefix, '--shards', '12', '--db', db]);
    running.push(submit);
    // The first worker to start a shard is killed while it runs it.
    const started = await Promise.race(workers.map((w) => w.waitFor(/shard (\d+)\/12: started \(attempt \d+, pid (\d+)\)/).then((m) => ({ w, m }))));
    const victim = started.w;
    const shard = started.m[1]!;
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    expect(victim.stderr()).not.toContain(`shard ${shard}/12: done`);
    const done = await submit.exited;
    expect(done.code, submit.stderr()).toBe(0);
    const survivors = workers
      .filter((w) => w !== victim)
      .map((w) => w.stderr())
      .join('');
    // Another worker ran the killed shard to its end, once.
    expect(survivors.match(new RegExp(`shard ${shard}/12: done`, 'g'))).toHaveLength(1);
    expectSameRecord(storedRecord(db), single, 12);
    await stopAll(workers);
  }, 300_000);
});

describe('on a private Redis that is restarted mid-replay', () => {
  it('the replay fails with a clear message and writes no record; the workers carry on', async () => {
    const r = await privateRedis();
    const workers = await startWorkers(2, r.url, 'm4', 30);
    running.push(...workers);
    const db = join(dir, 'restarted.db');
    const submit = m4cProcess(['run', graph, '--data', data, '--queue', r.url, '--shards', '24', '--db', db]);
    running.push(submit);
    try {
      await Promise.race(workers.map((w) => w.waitFor(/shard \d+\/24: done/)));
      await r.kill();
      await r.start();
      const exit = await submit.exited;
      expect(exit.code).toBe(3);
      expect(submit.stderr()).toMatch(
        /m4c: the jobs of replay r-[0-9a-f-]+ are gone from Redis at redis:\/\/127\.0\.0\.1:\d+\/? \(restarted without persistence, or flushed\): nothing was recorded; submit the replay again\n$/,
      );
      // The merge never ran: the results file was never even opened.
      expect(existsSync(db)).toBe(false);
      // The workers reconnect and take the next replay.
      const again = runM4c(['run', graph, '--data', data, '--queue', r.url, '--shards', '4', '--db', db], { timeout: 300_000 });
      expect(again.code, again.stderr).toBe(0);
      expectSameRecord(storedRecord(db), single, 4);
    } finally {
      await stopAll(workers);
      await r.kill();
    }
  }, 300_000);

  it('with persistence (AOF), the replay resumes after the restart, or fails clearly — never a wrong record', async () => {
    const aof = mkdtempSync(join(tmpdir(), 'm4-redis-aof-'));
    const r = await privateRedis({ dir: aof });
    const workers = await startWorkers(2, r.url, 'm4', 3);
    running.push(...workers);
    const db = join(dir, 'persisted.db');
    const submit = m4cProcess(['run', graph, '--data', data, '--queue', r.url, '--shards', '24', '--db', db]);
    running.push(submit);
    try {
      await Promise.race(workers.map((w) => w.waitFor(/shard \d+\/24: done/)));
      await r.kill();
      await r.start();
      const exit = await submit.exited;
      if (exit.code === 0) {
        expectSameRecord(storedRecord(db), single, 24);
      } else {
        expect(exit.code, submit.stderr()).toBe(3);
        expect(submit.stderr()).toMatch(/\nm4c: (the jobs of replay|replay r-[0-9a-f-]+ failed|lost Redis)/);
        if (existsSync(db)) expectSameRecord(storedRecord(db), single, 24);
      }
      // Which of the two happened, for the report of this run.
      process.stderr.write(
        `redis restart with AOF: the replay ${exit.code === 0 ? 'resumed and finished' : `failed clearly: ${submit.stderr().trim().split('\n').pop()}`}\n`,
      );
    } finally {
      await stopAll(workers);
      await r.kill();
    }
  }, 300_000);
});
