/**
 * Hostile data for `m4c run`, `m4c compare` and `m4c merge`, each a reproduction from issue 11, run through
 * the real binary: data on a named pipe and on standard input (read once, hashed while reading), Ctrl-C
 * (rows read = rows processed + skipped; a second Ctrl-C ends the process at once), merge refusing shards
 * that are not one complete replay of one file, and compare typing columns from the task.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStackTrace, M4C, runM4c } from '../support/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A graph without models: its comparison reads the data's columns directly. */
const GRAPH = `input a: f64[batch]
input b: f64[batch]
input y: bool[batch]
compare ab {
  control: a
  treatment: b
  label: y
  task: binary(threshold: 0.5)
  metrics: [accuracy, agreement]
  bootstrap: 0
  gate agreement >= 0.5
}
`;
const graph = join(tmp, 'ab.m4');
writeFileSync(graph, GRAPH);

/** `n` JSONL rows; row i is bad (a string score) when `bad(i)`. */
function rows(n: number, bad: (i: number) => boolean = () => false, offset = 0): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = i + offset;
    const a = ((k * 7919) % 1000) / 1000;
    s += bad(k) ? `{"a": "oops", "b": 0.5, "y": true}\n` : `{"a": ${a}, "b": ${(a + 0.05) % 1}, "y": ${k % 3 === 0}}\n`;
  }
  return s;
}

/** Start the real binary with a writable stdin. */
function start(args: string[]) {
  const child = spawn(process.execPath, [M4C, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.on('error', () => {}); // the child may exit before reading everything
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, out: () => ({ stdout, stderr }) };
}

/** Write to a stream and resolve once the OS has taken it (for a pipe: the reader has drained all but its buffer). */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (err) => (err ? reject(err) : resolve())));
}

function summaryCounts(stderr: string): { processed: number; read: number; skipped: number } {
  const num = (s: string) => Number(s.replace(/,/g, ''));
  const p = /([\d,]+) rows? processed/.exec(stderr);
  const r = /rows read: ([\d,]+), skipped: ([\d,]+)/.exec(stderr);
  if (!p || !r) throw new Error(`no summary in: ${stderr}`);
  return { processed: num(p[1]!), read: num(r[1]!), skipped: num(r[2]!) };
}

describe('data that can be read only once', () => {
  it('m4c run --data on a named pipe ends when the writer is done (the data is not opened twice)', async () => {
    const fifo = join(tmp, 'pipe.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const run = start(['run', graph, '--data', fifo, '--format', 'json', '--db', join(tmp, 'fifo.db')]);
    // A writer on the pipe: opening blocks until the reader opens it, then the rows flow and the pipe closes.
    const writer = spawn('sh', ['-c', `cat > ${JSON.stringify(fifo)}`], { stdio: ['pipe', 'ignore', 'ignore'] });
    writer.stdin.end(rows(3000, (i) => i % 100 === 7));
    const end = await run.exited;
    const { stdout, stderr } = run.out();
    expect(end.code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.comparisons[0].result.rows).toBe(2970);
    const ds = report.meta.data_source;
    expect(ds).toMatchObject({ complete: true, rows_total: 3000 });
    expect(ds.bytes).toBe(Buffer.byteLength(rows(3000, (i) => i % 100 === 7)));
    expect(report.meta.rows_skipped).toEqual({ 'non-numeric': 30 });
  }, 60_000);

  it('--data - reads standard input, the same way, and records the sha256 of every byte', () => {
    const text = rows(500);
    const r = runM4c(['run', graph, '--data', '-', '--format', 'json'], { input: text });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.meta.data_source.path).toBe('-');
    expect(report.meta.data_source.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(r.stderr).toContain('m4c run: rows read: 500, skipped: 0');
    const c = runM4c(
      ['compare', '--data', '-', '--control', 'a', '--treatment', 'b', '--label', 'y', '--task', 'binary', '--bootstrap', '0', '--format', 'json'],
      { input: text },
    );
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).comparisons[0].result.rows).toBe(500);
  }, 60_000);
  it('--data - with --limit exits once the limit is read, though the writer keeps standard input open', async () => {
    const run = start(['run', graph, '--data', '-', '--limit', '100', '--format', 'json']);
    // 500 rows, then nothing more and no end: the run must not wait for data it will not read.
    await write(run.child.stdin, rows(500));
    const end = await run.exited;
    const { stdout, stderr } = run.out();
    run.child.stdin.destroy();
    expect(end.code, stderr).toBe(0);
    expect(JSON.parse(stdout).comparisons[0].result.rows).toBe(100);
  }, 60_000);
});

describe('Ctrl-C', () => {
  it('reports exactly the rows it processed: rows read = processed + skipped, even while waiting for data', async () => {
    const run = start(['run', graph, '--data', '-', '--batch-size', '256', '--format', 'json']);
    // ~3 MB: the write completes only once the child has read all but a pipe buffer of it. stdin stays open.
    await write(
      run.child.stdin,
      rows(40_000, (i) => i % 1000 === 1),
    );
    run.child.kill('SIGINT');
    const end = await run.exited;
    const { stdout, stderr } = run.out();
    expect(end.code, stderr).toBe(130);
    expect(stderr).toContain('interrupted (Ctrl-C)');
    const c = summaryCounts(stderr);
    expect(c.processed).toBeGreaterThan(0);
    expect(c.read).toBe(c.processed + c.skipped);
    const report = JSON.parse(stdout);
    expect(report.status).toBe('interrupted');
    expect(report.comparisons[0].result.rows).toBe(c.processed);
    expect(report.meta.data_source.complete).toBe(false);
    expect(hasStackTrace(stderr)).toBe(false);
  }, 60_000);

  it('a second Ctrl-C ends the process at once, even while the clean stop of the first is busy', async () => {
    // Many rows and a big bootstrap: after the first Ctrl-C the run still judges the rows it read, which
    // keeps the main thread busy for a while.
    const run = start([
      'compare',
      '--data',
      '-',
      '--control',
      'a',
      '--treatment',
      'b',
      '--label',
      'y',
      '--task',
      'binary',
      '--metrics',
      'accuracy,auroc',
      '--bootstrap',
      '1000',
      '--batch-size',
      '4096',
    ]);
    // The write completes once the child has read (and so is trapping Ctrl-C) all but a pipe buffer of it.
    await write(run.child.stdin, rows(60_000));
    run.child.kill('SIGINT');
    // The summary of the rows read is printed when the clean stop starts judging them: press again then.
    // (Two presses within one busy batch reach the process as one signal: nothing can tell them apart.)
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (run.out().stderr.includes('interrupted (Ctrl-C)')) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    run.child.kill('SIGINT');
    const end = await run.exited;
    // Killed by the signal itself (status 130 in a shell), not a clean exit after judging the rows: no report.
    expect(end.signal, `${end.code} ${run.out().stderr}`).toBe('SIGINT');
    expect(run.out().stdout).toBe('');
  }, 120_000);
});

describe('m4c merge: one complete replay of one file, or nothing', () => {
  const data = join(tmp, 'data.jsonl');
  writeFileSync(data, rows(3000)); // > 64 KiB: the head alone no longer tells files apart
  const shard = (i: number, extra: string[] = [], file = data) =>
    runM4c(['run', graph, '--data', file, '--shard', `${i}/3`, '--state', join(tmp, `s${i}${extra.join('')}.json`), ...extra]);

  it('refuses a shard made with --limit', () => {
    for (const i of [1, 2]) expect(shard(i).code).toBe(0);
    expect(shard(3, ['--limit', '10']).code).toBe(0);
    const r = runM4c(['merge', join(tmp, 's1.json'), join(tmp, 's2.json'), join(tmp, 's3--limit10.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/s3--limit10\.json: shard 3\/3 stopped before the end of its data \(made with --limit\?\)/);
  }, 120_000);

  it('refuses shards of different data of the same size and the same first 64 KiB', () => {
    const other = join(tmp, 'other.jsonl');
    const text = readFileSync(data, 'utf8');
    // Same length, same head, one digit changed near the end: a different AUROC, the same 64 KiB head.
    const at = text.length - 20;
    const digit = text[at] === '1' ? '2' : '1';
    writeFileSync(other, text.slice(0, at) + digit + text.slice(at + 1));
    expect(shard(3, [], other).code).toBe(0);
    for (const i of [1, 2]) expect(shard(i).code).toBe(0);
    const r = runM4c(['merge', join(tmp, 's1.json'), join(tmp, 's2.json'), join(tmp, 's3.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/state files come from different data/);
    expect(shard(3).code).toBe(0);
    expect(runM4c(['merge', join(tmp, 's1.json'), join(tmp, 's2.json'), join(tmp, 's3.json'), '--no-sinks']).code).toBe(0);
  }, 120_000);
});

describe('m4c compare types columns from the task, counts bad rows like run', () => {
  const compare = (file: string, extra: string[] = []) =>
    runM4c([
      'compare',
      '--data',
      file,
      '--control',
      'a',
      '--treatment',
      'b',
      '--label',
      'y',
      '--task',
      'binary',
      '--bootstrap',
      '0',
      '--format',
      'json',
      '--gate',
      'agreement >= 0.5',
      ...extra,
    ]);

  it('a string score at row 3,000 is one bad row, counted, not a failed command', () => {
    const f = join(tmp, 'late-string.jsonl');
    writeFileSync(
      f,
      rows(3001, (i) => i === 2999),
    );
    const r = compare(f);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('m4c compare: rows read: 3,001, skipped: 1 (non-numeric: 1)');
    expect(r.stderr).toMatch(/line 3000: non-numeric/);
    expect(JSON.parse(r.stdout).comparisons[0].result.rows).toBe(3000);
  });

  it('a first row with a two-column score does not decide the type of the 3,000 others', () => {
    const f = join(tmp, 'odd-first.jsonl');
    writeFileSync(f, `{"a": [0.3, 0.7], "b": [0.4, 0.6], "y": true}\n${rows(3000)}`);
    const r = compare(f);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).comparisons[0].result.rows).toBe(3000);
    expect(r.stderr).toContain('m4c compare: rows read: 3,001, skipped: 1');
  });

  it('refuses to gate when most rows were bad', () => {
    const f = join(tmp, 'mostly-bad.jsonl');
    writeFileSync(
      f,
      rows(3000, (i) => i % 4 !== 0),
    );
    const r = compare(f);
    expect(r.code).toBe(1);
    const c = JSON.parse(r.stdout).comparisons[0];
    expect(c.passed).toBe(false);
    expect(c.verdicts[0].reason).toMatch(/only 750 of the 3000 rows read could be counted .* so no gate is judged/);
  });
});
