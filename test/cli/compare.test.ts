/**
 * `m4c compare` end to end: the golden metric files as JSONL rows (every printed value equals the
 * golden one), gates and exit codes 0/1/2/3, CSV and nested JSON columns, `--db`. Most cases call
 * the command in-process (fast); one goes through the real binary.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import * as compare from '../../cli/commands/compare.ts';
import { runCliCaptured } from '../support/run-cli-in-process.ts';
import { metricProblem } from '../../stdlib/metrics/catalogue.ts';
import type { MatrixMetricResult, MetricResult, ModelMetricResult, PairMetricResult } from '../../plan/result-types.ts';
import { hasStackTrace, runM4c } from '../support/run-cli.ts';
import { withoutResamples } from '../../runtime/run-record.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-compare-'));
const GOLDEN = join(import.meta.dirname, '../fixtures/golden/metrics');

/** Run `m4c compare ...` in this process, capturing what it prints. */
const m4c = (args: string[]) => runCliCaptured(['compare', ...args], [compare]);

interface Golden {
  task: 'binary' | 'multiclass' | 'regression';
  threshold?: number;
  label: number[];
  control: (number | number[])[];
  treatment: (number | number[])[];
  expected: { control: Record<string, unknown>; treatment: Record<string, unknown>; paired: Record<string, unknown> };
}

/** Golden key → catalogue metric name. */
const NAME: Record<string, string> = { auroc_ovr_macro: 'auroc', top2_accuracy: 'top_k_accuracy' };

/**
 * regression-1.json stores its labels rounded to float32 while its expected values used the float64
 * labels (test/stdlib/metrics/golden.test.ts proves it), so label-dependent regression metrics can
 * only agree to float32 precision of the label.
 */
const REGRESSION_LABEL_REL = 1e-7;

function expectNear(actual: number | null, expected: unknown, what: string, rel = 1e-9): void {
  if (expected === null) {
    expect(actual, `${what} should be undefined`).toBeNull();
    return;
  }
  const e = expected as number;
  expect(actual, what).not.toBeNull();
  if (Number.isInteger(e) && Math.abs(e) > 1) expect(actual, what).toBe(e);
  else expect(Math.abs(actual! - e), `${what}: ${actual} vs ${e}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(e)));
}

describe('golden metric files as JSONL rows', () => {
  const files = readdirSync(GOLDEN).filter((f) => f.endsWith('.json'));

  it.each(files)('%s: every metric equals the golden value', async (file) => {
    const g = JSON.parse(readFileSync(join(GOLDEN, file), 'utf8')) as Golden;
    const data = join(tmp, file.replace(/\.json$/, '.jsonl'));
    // Nested fields, to exercise dotted column paths.
    writeFileSync(data, g.label.map((y, i) => JSON.stringify({ y, pred: { old: g.control[i], new: g.treatment[i] } })).join('\n') + '\n');
    const keys = [...Object.keys(g.expected.control), ...Object.keys(g.expected.paired)]
      .map((k) => NAME[k] ?? k)
      .filter((k) => metricProblem(k, g.task, true) === null);
    const args = [
      '--data',
      data,
      '--control',
      'pred.old',
      '--treatment',
      'pred.new',
      '--label',
      'y',
      '--task',
      g.task,
      '--metrics',
      [...new Set(keys)].join(','),
      '--bootstrap',
      '0',
      '--format',
      'json',
    ];
    if (g.threshold !== undefined) args.push('--threshold', String(g.threshold));
    const r = await m4c(args);
    // The summary `m4c run` prints: every row read, none skipped.
    expect(r.stderr).toContain(`m4c compare: rows read: ${g.label.length.toLocaleString('en-US')}, skipped: 0\n`);
    expect(r.stderr).not.toMatch(/m4c: /);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const result = report.comparisons[0].result;
    expect(result.rows).toBe(g.label.length);
    const byName = new Map<string, MetricResult>(result.metrics.map((m: MetricResult) => [m.name, m]));
    let checked = 0;
    for (const side of ['control', 'treatment'] as const) {
      for (const [k, v] of Object.entries(g.expected[side])) {
        const m = byName.get(NAME[k] ?? k);
        if (m === undefined) continue;
        if (m.shape === 'matrix') expect((m as MatrixMetricResult)[side], `${k}.${side}`).toEqual(v);
        else {
          const mm = m as ModelMetricResult;
          expectNear(mm[side], v, `${k}.${side}`, g.task === 'regression' ? REGRESSION_LABEL_REL : 1e-9);
          if (mm[side] === null) expect(mm.reasons[side], `${k}.${side} reason`).toMatch(/\w/);
        }
        checked++;
      }
    }
    for (const [k, v] of Object.entries(g.expected.paired)) {
      const m = byName.get(k) as PairMetricResult | undefined;
      if (m === undefined || typeof v === 'object') continue;
      expectNear(m.value, v, k);
      checked++;
    }
    const mc = g.expected.paired.mcnemar as
      { control_only_correct: number; treatment_only_correct: number; pvalue_exact: number; pvalue_chi2_cc: number } | undefined;
    if (mc !== undefined) {
      expect(result.tests.mcnemar.control_only_correct).toBe(mc.control_only_correct);
      expect(result.tests.mcnemar.treatment_only_correct).toBe(mc.treatment_only_correct);
      expectNear(result.tests.mcnemar.pvalue_exact, mc.pvalue_exact, 'mcnemar exact p');
      expectNear(result.tests.mcnemar.pvalue_chi2_cc, mc.pvalue_chi2_cc, 'mcnemar chi2 p');
    }
    const dl = g.expected.paired.delong as { pvalue: number; z: number } | undefined;
    if (dl !== undefined) expectNear(result.tests.delong.pvalue, dl.pvalue, 'delong p');
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('prints the golden values in the terminal table, undefined ones with footnotes', async () => {
    const data = join(tmp, 'binary-one-class-1.jsonl');
    const g = JSON.parse(readFileSync(join(GOLDEN, 'binary-one-class-1.json'), 'utf8')) as Golden;
    writeFileSync(data, g.label.map((y, i) => JSON.stringify({ y, pred: { old: g.control[i], new: g.treatment[i] } })).join('\n') + '\n');
    const r = await m4c([
      '--data',
      data,
      '--control',
      'pred.old',
      '--treatment',
      'pred.new',
      '--label',
      'y',
      '--task',
      'binary',
      '--metrics',
      'accuracy,auroc,brier',
      '--bootstrap',
      '0',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/accuracy +1\.0000 +0\.4600 +-0\.5400 +— +1\.13e-36 McNemar/);
    expect(r.stdout).toMatch(/auroc +undefined\[1\] +undefined\[1\] +undefined\[2\]/);
    expect(r.stdout).toMatch(/brier +0\.0500 +0\.3523 +\+0\.3023/);
    expect(r.stdout).toContain('[1] no positive rows: AUROC is undefined');
    expect(r.stdout).not.toMatch(/NaN/);
  });
});

describe('gates and exit codes', () => {
  // 2,000 rows: the treatment is better; a CSV copy of the same rows.
  const jsonl = join(tmp, 'preds.jsonl');
  const csv = join(tmp, 'preds.csv');
  let s = 42;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows: { y: number; a: number; b: number; seg: string }[] = [];
  for (let i = 0; i < 2000; i++) {
    const y = rnd() < 0.4 ? 1 : 0;
    rows.push({ y, a: +(0.3 + 0.2 * y + 0.5 * (rnd() - 0.5)).toFixed(6), b: +(0.3 + 0.35 * y + 0.4 * (rnd() - 0.5)).toFixed(6), seg: `s${i % 4}` });
  }
  writeFileSync(jsonl, rows.map((r) => JSON.stringify({ label: r.y, scores: { v1: r.a, v2: r.b }, seg: r.seg })).join('\n') + '\n');
  writeFileSync(csv, `label,v1,v2,seg\n${rows.map((r) => `${r.y},${r.a},${r.b},${r.seg}`).join('\n')}\n`);
  const base = ['--data', jsonl, '--control', 'scores.v1', '--treatment', 'scores.v2', '--label', 'label', '--task', 'binary', '--bootstrap', '200'];

  it('exit 0 when every gate passes; JSON and CSV input give the same results', async () => {
    const a = await m4c([...base, '--gate', 'auroc.delta >= 0 at 95%', '--gate', 'agreement >= 0.5', '--format', 'json']);
    expect(a.code).toBe(0);
    const ja = JSON.parse(a.stdout);
    expect(ja.comparisons[0].verdicts.map((v: { passed: boolean }) => v.passed)).toEqual([true, true]);
    const b = await m4c([
      '--data',
      csv,
      '--control',
      'v1',
      '--treatment',
      'v2',
      '--label',
      'label',
      '--task',
      'binary',
      '--bootstrap',
      '200',
      '--gate',
      'auroc.delta >= 0 at 95%',
      '--gate',
      'agreement >= 0.5',
      '--format',
      'json',
    ]);
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout).comparisons[0].result).toEqual(ja.comparisons[0].result);
  });

  it('Parquet and Arrow IPC input give the same results as JSON', async () => {
    const pq = join(tmp, 'preds.parquet'),
      arrow = join(tmp, 'preds.arrow');
    writeFileSync(
      pq,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'label', data: Int32Array.from(rows, (r) => r.y), type: 'INT32', nullable: false },
            { name: 'v1', data: Float64Array.from(rows, (r) => r.a), type: 'DOUBLE', nullable: false },
            { name: 'v2', data: Float64Array.from(rows, (r) => r.b), type: 'DOUBLE', nullable: false },
            { name: 'seg', data: rows.map((r) => r.seg), type: 'STRING', nullable: false },
          ],
          rowGroupSize: 500,
        }),
      ),
    );
    writeFileSync(
      arrow,
      tableToIPC(
        tableFromArrays({
          label: Int32Array.from(rows, (r) => r.y),
          v1: Float64Array.from(rows, (r) => r.a),
          v2: Float64Array.from(rows, (r) => r.b),
          seg: rows.map((r) => r.seg),
        }),
        'file',
      ),
    );
    const want = JSON.parse((await m4c([...base, '--format', 'json'])).stdout).comparisons[0].result;
    for (const data of [pq, arrow]) {
      const r = await m4c([
        '--data',
        data,
        '--control',
        'v1',
        '--treatment',
        'v2',
        '--label',
        'label',
        '--task',
        'binary',
        '--bootstrap',
        '200',
        '--format',
        'json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).comparisons[0].result).toEqual(want);
    }
  });

  it('exit 1 when a gate fails, with the verdict and reason in the report', async () => {
    const r = await m4c([...base, '--gate', 'recall.delta >= 0.5', '--slice-by', 'seg']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}recall\.delta >= 0\.5 +value \+0\.\d{4}\n +recall\.delta = 0\.\d+ < 0\.5/);
    expect(r.stdout).toContain('slices where the treatment is worse (by auroc; 4 distinct values)');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('FAIL: 1 of 1 gate failed (compare)');
  });

  it('--db writes one complete record', async () => {
    const db = join(tmp, 'out', 'results.db');
    const r = await m4c([...base, '--gate', 'auroc.delta >= 0', '--db', db, '--name', 'v2_vs_v1', '--format', 'json']);
    expect(r.code).toBe(0);
    const d = new Database(db, { readonly: true });
    expect(d.prepare('SELECT comparison, status, passed, rows_seen, rows_counted, source_file FROM runs').all()).toEqual([
      { comparison: 'v2_vs_v1', status: 'complete', passed: 1, rows_seen: 2000, rows_counted: 2000, source_file: 'm4c compare' },
    ]);
    expect(JSON.parse((d.prepare('SELECT result_json FROM runs').get() as { result_json: string }).result_json)).toEqual(
      withoutResamples(JSON.parse(r.stdout).comparisons[0].result),
    );
    d.close();
  });

  it.each([
    [
      ['--control', 'scores.v3'],
      /^m4c: --control scores\.v3: no such field in the first 200 rows of .*preds\.jsonl \(did you mean scores\.v1\?\); fields: label, scores\.v1, scores\.v2, seg\n$/,
    ],
    [['--gate', 'auroc.delt >= 0'], /^m4c: --gate "auroc\.delt >= 0": `auroc` has no field `delt`: .* \(did you mean `delta`\?\)\n$/],
    [['--gate', 'mae.delta <= 0'], /^m4c: --gate "mae\.delta <= 0": metric `mae` does not apply to a binary comparison\n$/],
    [['--bootstrap', '0', '--gate', 'auroc.delta >= 0 at 95%'], /^m4c: --gate .*`at N%` needs a confidence interval/],
    [['--metrics', 'accuracy,rmse'], /^m4c: --metrics: `rmse` does not apply to binary tasks/],
    [['--top-k', '3'], /^m4c: --top-k applies to --task multiclass only\n$/],
    [['--format', 'xml'], /^m4c: unknown --format "xml": use human, json, github\n$/],
    [['--data', join(tmp, 'missing.jsonl')], /^m4c: .*missing\.jsonl.*no such file/],
    [['--shard', '2/3'], /^m4c: --shard needs --state FILE/],
    [['--shard', '4/3', '--state', 'x.json'], /expected I\/N with 1 <= I <= N/],
  ])('exit 2 with one line for %j', async (extra, message) => {
    const args = [...base];
    for (let i = 0; i < extra.length; i += 2) {
      const at = args.indexOf(extra[i]!);
      if (at >= 0) args.splice(at, 2);
      args.push(extra[i]!, extra[i + 1]!);
    }
    const r = await m4c(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('refuses prediction shapes that do not fit the task (exit 2)', async () => {
    const lists = join(tmp, 'lists.jsonl');
    writeFileSync(lists, '{"p": [0.2, 0.3, 0.5], "q": [0.1, 0.1, 0.8], "y": 2}\n');
    const r = await m4c(['--data', lists, '--control', 'p', '--treatment', 'q', '--label', 'y', '--task', 'binary']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('m4c: --control p holds lists of 3 values; a binary task needs a score or a [p0, p1] row per input\n');
    const scalar = await m4c(['--data', jsonl, '--control', 'scores.v1', '--treatment', 'scores.v2', '--task', 'multiclass']);
    expect(scalar.code).toBe(2);
    expect(scalar.stderr).toMatch(/a multiclass task needs a probability row per input/);
  });

  it('a database that cannot be written is exit 3, naming the path', async () => {
    const notDb = join(tmp, 'notes.txt');
    writeFileSync(notDb, 'my notes');
    const r = await m4c([...base, '--db', notDb]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`m4c: cannot write results to ${notDb}: it exists and is not an SQLite database; refusing to overwrite it\n`);
  });

  it('through the real binary: github annotations, exit 1, no stack trace', () => {
    const r = runM4c(['compare', ...base, '--gate', 'auroc.delta >= 0', '--gate', 'recall.delta >= 0.5', '--format', 'github']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^::notice title=gate passed%3A compare::auroc\.delta >= 0 — auroc\.delta = /);
    expect(lines[1]).toMatch(/^::error title=gate failed%3A compare::recall\.delta >= 0\.5 — recall\.delta = .* < 0\.5$/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
