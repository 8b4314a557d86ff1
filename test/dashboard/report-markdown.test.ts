/**
 * `m4c report --md`: the Markdown summary of a run, and the escaping that keeps database text from
 * becoming markup in a pull-request comment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../dashboard/api-types.ts';
import { mdText, renderMarkdownReport } from '../../dashboard/report-markdown.ts';
import { ResultsDb } from '../../dashboard/results-db.ts';
import { writeFixtureDb } from './support/fixture-db.ts';
import { standardRuns } from './support/fixture-runs.ts';

let dir: string;
let details: RunDetail[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-dash-md-'));
  const ids = writeFixtureDb(join(dir, 'r.db'), standardRuns());
  const db = ResultsDb.open(join(dir, 'r.db'));
  details = ids.map((id) => db.getRun(id)!);
  db.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const byDay = (comparison: string, day: number): RunDetail => details.find((d) => d.run.comparison === comparison && new Date(d.run.started_at).getUTCDate() === day)!;

/** The cells of a Markdown table row (split on unescaped pipes). */
function cells(line: string): string[] {
  return line.slice(2, -2).split(/(?<!\\) \| /);
}

describe('markdown report', () => {
  it('leads with the verdict and lists every gate with its verdict', () => {
    const md = renderMarkdownReport(byDay('fraud_ab', 6));
    const lines = md.split('\n');
    expect(lines[0]).toMatch(/^### m4 comparison fraud\\_ab — run \d+$/);
    expect(md).toContain('❌ **Gates failed: 2 of 3**');
    const gateRows = lines.filter((l) => l.startsWith('| ') && /(✅ pass|❌ fail)/.test(l));
    expect(gateRows.map((l) => cells(l)[1])).toEqual(['❌ fail', '❌ fail', '✅ pass']);
    expect(cells(gateRows[1]!)[0]).toBe('recall.delta &gt;= -0.05 at 95%');
    expect(cells(gateRows[1]!)[3]).toMatch(/^\\\[-0\.06\d+, -?0\.00\d+\\\]$/);
    expect(renderMarkdownReport(byDay('fraud_ab', 5))).toContain('✅ **All 3 gates passed**');
    expect(renderMarkdownReport(byDay('churn_ab', 5))).toContain('**No gates** (interrupted');
  });

  it('has a metrics table with deltas marked by direction and significance', () => {
    const md = renderMarkdownReport(byDay('fraud_ab', 6));
    const auroc = md.split('\n').find((l) => l.startsWith('| auroc |'))!;
    const c = cells(auroc);
    expect(c).toHaveLength(6);
    expect(c[3]).toMatch(/^\*\*-0\.03\d+ ▼\*\*$/);
    expect(c[5]).toBe('&lt; 0.0001 (DeLong)');
    const logLoss = md.split('\n').find((l) => l.startsWith('| log\\_loss |'))!;
    expect(cells(logLoss)[3]).toMatch(/▼/);
    expect(md).toContain('| agreement |  |  | 0.8215 |');
  });

  it('writes undefined values with their reason', () => {
    const md = renderMarkdownReport(byDay('fraud_ab', 3));
    const auroc = md.split('\n').find((l) => l.startsWith('| auroc |'))!;
    expect(cells(auroc)[1]).toBe('undefined: no positive rows: AUROC is undefined');
  });

  it('lists the worst slices, escaping a slice value that holds HTML', () => {
    const md = renderMarkdownReport(byDay('fraud_ab', 6));
    expect(md).toContain('#### Slices where the treatment is worse');
    const row = md.split('\n').find((l) => l.includes('onerror'))!;
    expect(cells(row)[0]).toBe('&lt;img src=x onerror=alert\\(1\\)&gt;');
    expect(md).not.toMatch(/<img|<b>/);
    expect(md).toContain('treatment fraud-&lt;b&gt;v2&lt;/b&gt;');
  });

  it('escapes everything that would turn database text into markup', () => {
    expect(mdText('a|b')).toBe('a\\|b');
    expect(mdText('[x](javascript:alert(1))')).toBe('\\[x\\]\\(javascript:alert\\(1\\)\\)');
    expect(mdText('![i](http://x/y.png)')).toBe('\\!\\[i\\]\\(http://x/y.png\\)');
    expect(mdText('@octocat')).toBe('&#64;octocat');
    expect(mdText('*bold* _it_ `code` ~s~')).toBe('\\*bold\\* \\_it\\_ \\`code\\` \\~s\\~');
    expect(mdText('<script>&')).toBe('&lt;script&gt;&amp;');
    expect(mdText('two\nlines')).toBe('two lines');
  });
});
