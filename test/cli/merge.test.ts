/**
 * `m4c merge` end to end: a data file split into 3 interleaved shards (`m4c compare --shard I/3
 * --state`), merged, gives the report and the record of one unsharded run, bit for bit; files that do not form
 * one run are refused (exit 2). And a process killed or interrupted mid-run leaves no record that
 * looks complete or passed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import * as compare from '../../cli/commands/compare.ts';
import * as merge from '../../cli/commands/merge.ts';
import { runCliCaptured } from '../support/run-cli-in-process.ts';
import { M4C } from '../support/run-cli.ts';
import { withoutResamples } from '../../runtime/run-record.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-merge-'));

/** Run `m4c ...` in this process, capturing what it prints. */
const m4c = (args: string[]) => runCliCaptured(args, [compare, merge]);

/** Deterministic rows: label, two scores, a region; a few bad lines to exercise skipped counts. */
function writeData(path: string, n: number, seed: number): void {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 500 === 17) {
      lines.push('{"broken": ');
      continue;
    }
    const y = rnd() < 0.35 ? 1 : 0;
    const a = +(0.3 + 0.25 * y + 0.5 * (rnd() - 0.5)).toFixed(6);
    const b = +(0.3 + 0.3 * y + 0.45 * (rnd() - 0.5)).toFixed(6);
    lines.push(JSON.stringify({ y, m: { a, b }, region: ['eu', 'us', 'apac', 'latam'][i % 4] }));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const data = join(tmp, 'replay.jsonl');
writeData(data, 3000, 5);
const ARGS = [
  '--data',
  data,
  '--control',
  'm.a',
  '--treatment',
  'm.b',
  '--label',
  'y',
  '--task',
  'binary',
  '--slice-by',
  'region',
  '--metrics',
  'accuracy,precision,recall,f1,auroc,auprc,log_loss,brier,mcc,agreement,flips_to_positive,pearson,spearman,psi',
  '--gate',
  'auroc.delta >= -0.02 at 95%',
  '--gate',
  'brier.delta <= 0',
  '--bootstrap',
  '200',
  '--seed',
  '9',
  '--max-slices',
  '3',
];

async function shards(dir: string, args = ARGS, count = 3): Promise<string[]> {
  const files: string[] = [];
  for (let i = 1; i <= count; i++) {
    const state = join(dir, `shard-${i}.json`);
    const r = await m4c(['compare', ...args, '--shard', `${i}/${count}`, '--state', state]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`shard ${i}/${count}: \\d+ rows read, state written to`));
    files.push(state);
  }
  return files;
}

describe('merging shards', () => {
  it('3 interleaved shards merge into the report and record of one unsharded run', async () => {
    const dir = mkdtempSync(join(tmp, 'ok-'));
    const one = await m4c(['compare', ...ARGS, '--format', 'json']);
    const files = await shards(dir);
    const db = join(dir, 'results.db');
    const merged = await m4c(['merge', ...files, '--format', 'json', '--db', db]);
    expect(merged.code, merged.stderr).toBe(one.code);
    const a = JSON.parse(merged.stdout),
      b = JSON.parse(one.stdout);
    // Bit for bit: every metric (float sums included: they are exact), interval, test, slice and chart.
    // `toEqual` compares numbers with Object.is.
    expect(a.comparisons[0].result).toEqual(b.comparisons[0].result);
    const names = a.comparisons[0].result.metrics.map((m: { name: string }) => m.name);
    expect(names).toEqual(expect.arrayContaining(['log_loss', 'brier', 'pearson', 'psi', 'auroc', 'spearman']));
    expect(a.comparisons[0].verdicts).toEqual(b.comparisons[0].verdicts);
    expect([a.passed, a.status, a.exit_code]).toEqual([b.passed, b.status, b.exit_code]);
    expect(a.meta.rows_seen).toBe(b.meta.rows_seen);
    expect(a.meta.rows_skipped).toEqual(b.meta.rows_skipped);
    expect(a.meta.rows_skipped['invalid-json']).toBe(6);
    expect(a.meta.plan_hash).toBe(b.meta.plan_hash);
    expect(a.meta.merged_shards).toBe(3);

    const d = new Database(db, { readonly: true });
    const run = d.prepare('SELECT status, passed, merged_shards, rows_seen, rows_counted, shard, result_json FROM runs').get() as Record<
      string,
      unknown
    >;
    expect(run).toMatchObject({
      status: 'complete',
      passed: a.passed ? 1 : 0,
      merged_shards: 3,
      rows_seen: 3000,
      rows_counted: b.comparisons[0].result.rows,
      shard: null,
    });
    expect(JSON.parse(run.result_json as string)).toEqual(withoutResamples(a.comparisons[0].result));
    d.close();

    // The human report of the merge names the shards and matches the unsharded one below its first line.
    const human = await m4c(['merge', ...files, '--no-sinks']);
    const single = await m4c(['compare', ...ARGS]);
    expect(human.stdout.split('\n')[0]).toMatch(/merged from 3 shards$/);
    expect(human.stdout.split('\n').slice(1)).toEqual(single.stdout.split('\n').slice(1));
  });

  it('refuses states from different plans, a missing or repeated shard, an interrupted shard, a non-state file (exit 2)', async () => {
    const dir = mkdtempSync(join(tmp, 'bad-'));
    const files = await shards(dir);
    const otherDir = mkdtempSync(join(tmp, 'other-'));
    const other = await shards(otherDir, [...ARGS, '--threshold', '0.6']);

    const mixed = await m4c(['merge', files[0]!, other[1]!, files[2]!]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(
      /^m4c: state files come from different plans: .*shard-1\.json has plan [0-9a-f]{12}, .*shard-2\.json has [0-9a-f]{12}\n$/,
    );

    const missing = await m4c(['merge', files[0]!, files[2]!]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('m4c: missing shard 2/3: merge needs all 3 shards of the run (got shard-1.json, shard-3.json)\n');

    const twice = await m4c(['merge', ...files, files[1]!]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^m4c: shard 2\/3 is given twice/);

    const stopped = join(dir, 'stopped.json');
    writeFileSync(stopped, JSON.stringify({ ...JSON.parse(readFileSync(files[1]!, 'utf8')), interrupted: true }));
    const interrupted = await m4c(['merge', files[0]!, stopped, files[2]!]);
    expect(interrupted.code).toBe(2);
    expect(interrupted.stderr).toMatch(/stopped\.json: shard 2\/3 was interrupted before the end of its data; run it again\n$/);

    const notState = await m4c(['merge', data]);
    expect(notState.code).toBe(2);
    expect(notState.stderr).toMatch(/replay\.jsonl is not a state file: not JSON\n$/);
    expect([mixed, missing, twice, interrupted, notState].every((r) => r.stdout === '')).toBe(true);
  });
});

describe('a run stopped mid-way', () => {
  // Long enough (a 1,000-resample bootstrap over 150,000 rows) that the signal arrives while rows stream.
  const big = join(tmp, 'big.jsonl');
  writeData(big, 150_000, 3);
  const args = (db: string) => [
    M4C,
    'compare',
    '--data',
    big,
    '--control',
    'm.a',
    '--treatment',
    'm.b',
    '--label',
    'y',
    '--task',
    'binary',
    '--metrics',
    'accuracy,brier',
    '--gate',
    'accuracy.delta >= -1',
    '--bootstrap',
    '1000',
    '--db',
    db,
  ];

  /** The database exists, is not being written, and has its tables (opening it creates them in one transaction). */
  function schemaReady(db: string): boolean {
    if (!existsSync(db) || existsSync(`${db}-journal`)) return false;
    try {
      const d = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (d.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'runs'").get() as { n: number }).n === 1;
      } finally {
        d.close();
      }
    } catch {
      return false; // locked or half-created: not yet
    }
  }

  /** Start the real binary; resolve once it has opened its database (it does so before reading rows). */
  function startRun(db: string) {
    const child = spawn(process.execPath, args(db), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const opened = new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (schemaReady(db)) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
      void exited.then(() => {
        clearInterval(poll);
        reject(new Error(`exited before opening the database: ${stderr}`));
      });
    });
    return { child, opened, exited, output: () => ({ stdout, stderr }) };
  }

  it('SIGKILL leaves no record at all', async () => {
    const db = join(mkdtempSync(join(tmp, 'kill-')), 'results.db');
    const run = startRun(db);
    await run.opened;
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    const d = new Database(db, { readonly: true });
    expect(d.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });
    d.close();
  }, 60_000);

  it('Ctrl-C (SIGINT) records the run as interrupted, not passed, and exits 130', async () => {
    const db = join(mkdtempSync(join(tmp, 'int-')), 'results.db');
    const run = startRun(db);
    await run.opened;
    run.child.kill('SIGINT');
    const end = await run.exited;
    expect(end.code, run.output().stderr).toBe(130);
    expect(run.output().stdout).toContain('INTERRUPTED: the run stopped before the end of its data; no gate passes');
    const d = new Database(db, { readonly: true });
    const rows = d.prepare('SELECT status, passed, rows_counted FROM runs').all() as { status: string; passed: number; rows_counted: number }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'interrupted', passed: 0 });
    expect(rows[0]!.rows_counted).toBeLessThan(150_000);
    expect(d.prepare('SELECT COUNT(*) AS n FROM gates WHERE passed = 1').get()).toEqual({ n: 0 });
    d.close();
  }, 60_000);
});
