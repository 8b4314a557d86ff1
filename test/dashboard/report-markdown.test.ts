/**
 * `m4c report --md`: the Markdown summary of a run, and the escaping that keeps database text from
 * becoming markup in a pull-request comment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../dashboard/api-types.ts';
import { capValue, GITHUB_COMMENT_LIMIT, MAX_VALUE_CHARS, mdText, renderMarkdownReport } from '../../dashboard/report-markdown.ts';
import { ResultsDb } from '../../dashboard/results-db.ts';
import { writeFixtureDb } from './support/fixture-db.ts';
import { standardRuns } from './support/fixture-runs.ts';

let dir: string;
let details: RunDetail[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm4-dash-md-'));
  const ids = writeFixtureDb(join(dir, 'r.db'), standardRuns());
  const db = await ResultsDb.open(join(dir, 'r.db'));
  details = [];
  for (const id of ids) details.push((await db.getRun(id))!);
  await db.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const byDay = (comparison: string, day: number): RunDetail =>
  details.find((d) => d.run.comparison === comparison && new Date(d.run.started_at).getUTCDate() === day)!;

/** The cells of a Markdown table row (split on unescaped pipes). */
function cells(line: string): string[] {
  return line.slice(2, -2).split(/(?<!\\) \| /);
}

describe('markdown report', () => {
  it('leads with the verdict and lists every gate with its verdict', () => {
    const md = renderMarkdownReport(byDay('fraud_ab', 6));
    const lines = md.split('\n');
    expect(lines[0]).toMatch(/^### m4 comparison fraud\\_ab — run `#\d+`$/);
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
    expect(mdText('![i](x/y.png)')).toBe('\\!\\[i\\]\\(x/y.png\\)');
    expect(mdText('@octocat')).toBe('&#64;octocat');
    expect(mdText('*bold* _it_ `code` ~s~')).toBe('\\*bold\\* \\_it\\_ \\`code\\` \\~s\\~');
    expect(mdText('<script>&')).toBe('&lt;script&gt;&amp;');
    expect(mdText('two\nlines')).toBe('two lines');
  });

  it('puts text GitHub would autolink in a code span, where nothing is linked', () => {
    expect(mdText('https://evil.example/login?a=1')).toBe('`https://evil.example/login?a=1`');
    expect(mdText('see www.example.com now')).toBe('`see www.example.com now`');
    expect(mdText('mail bob@example.org')).toBe('`mail bob@example.org`');
    expect(mdText('ftp://x|y')).toBe('`ftp://x\\|y`');
    // Backticks inside get a longer fence; a leading backtick a space.
    expect(mdText('`https://x` `` y')).toBe('``` `https://x` `` y ```');
    expect(mdText('http://x\nhttp://y')).toBe('`http://x http://y`');
    // Plain text and @mentions keep the ordinary escaping.
    expect(mdText('@team see the docs')).toBe('&#64;team see the docs');
  });

  it("cuts long values and keeps the body under GitHub's comment limit, saying what was cut", () => {
    const long = 'x'.repeat(5000);
    expect(capValue(long)).toBe(`${'x'.repeat(MAX_VALUE_CHARS)}… (4,800 more characters)`);
    const d = structuredClone(byDay('fraud_ab', 6));
    // Thousands of worse slices with long names: far more than one comment holds.
    const w = d.result.slices!.worse[0]!;
    d.result.slices!.worse = Array.from({ length: 3000 }, (_, i) => ({
      ...w,
      slice: `${String(i).padStart(4, '0')}${'segment-'.repeat(39)}${'s'.repeat(4)}`,
    }));
    const md = renderMarkdownReport(d, { worstSlices: 3000 });
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toMatch(/\*\*Cut:\*\* [\d,]+ more lines \([\d,]+ table rows\) did not fit GitHub's 65,536-character comment limit/);
    expect(md).toContain('… \\(120 more characters\\)');
    // The verdict and the gates come first, so they are never what is cut.
    expect(md).toContain('❌ **Gates failed: 2 of 3**');
    expect(md).toContain('#### Metrics');
  });

  it('states the threshold as declared and ends the facts line without a dangling separator', () => {
    const d = structuredClone(byDay('fraud_ab', 6));
    d.result.task = { kind: 'binary', threshold: Math.fround(0.3) };
    d.declared_task = { kind: 'binary', threshold: 0.3 };
    const facts = renderMarkdownReport(d)
      .split('\n')
      .find((l) => l.startsWith('Graph '))!;
    expect(facts).toContain(' · binary, threshold 0.3 · ');
    expect(facts).not.toContain('0.30000001');
    // A run of `m4c compare` lists no models.
    d.run.models = [];
    d.run.graph = 'm4c compare';
    const line = renderMarkdownReport(d)
      .split('\n')
      .find((l) => l.startsWith('Graph '))!;
    expect(line).toMatch(/rows counted of [\d,]+$/);
    expect(line).not.toMatch(/·\s*$/);
  });

  it("gives DeLong's z in the direction of the delta", () => {
    const d = byDay('fraud_ab', 6);
    const dl = d.result.tests.delong!;
    const line = renderMarkdownReport(d)
      .split('\n')
      .find((l) => l.startsWith('DeLong'))!;
    expect(Math.sign(dl.delta)).toBe(-Math.sign(dl.z));
    expect(line).toContain(`z = Δ / s.e. = ${dl.delta > 0 ? '+' : '-'}`);
  });
});
