/**
 * The report renderers on a fixed RunOutcome (fixtures/outcome-binary.json, made by
 * fixtures/make-outcome.ts): golden terminal text, colour rules, the versioned JSON against its
 * schema, GitHub annotations. Regenerate the golden files with
 *   M4_UPDATE_GOLDEN=1 npx vitest run test/runtime/report
 * and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../../runtime/comparison-run.ts';
import { colorFor, renderReport } from '../../../runtime/report/render-report.ts';
import { escapeData, escapeProperty, githubAnnotations } from '../../../runtime/report/report-github.ts';
import { renderHuman } from '../../../runtime/report/report-human.ts';
import { jsonReport } from '../../../runtime/report/report-json.ts';
import { REPORT_VERSION } from '../../../plan/version.ts';
import { formatPValue, formatSigned, formatValue } from '../../../runtime/report/report-numbers.ts';

const here = import.meta.dirname;
const load = (): RunOutcome => JSON.parse(readFileSync(join(here, 'fixtures/outcome-binary.json'), 'utf8')) as RunOutcome;

function golden(name: string, actual: string): void {
  const file = join(here, 'golden', name);
  if (process.env.M4_UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

// ajv is CommonJS: under ESM its class is the default export's `default`.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (opts: object) => {
  compile(s: object): ((d: unknown) => boolean) & { errors?: unknown };
};
const validate = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(join(here, '../../../runtime/report/report.schema.json'), 'utf8')),
);

describe('terminal report', () => {
  it('states the binary threshold as declared, not the f32 value the scores were compared with', () => {
    const o = load();
    const c = o.comparisons[0]!;
    if (c.comparison.task.kind !== 'binary') throw new Error('fixture is binary');
    c.comparison.task = { kind: 'binary', threshold: 0.3 };
    c.result.task = { kind: 'binary', threshold: Math.fround(0.3) };
    const text = renderHuman(o, { color: false });
    expect(text).toContain('binary, threshold 0.3 ·');
    expect(text).not.toContain('0.30000001');
  });

  it('matches the golden text: metrics, undefined values with footnotes, failed gate, worse slice', () => {
    const text = renderHuman(load(), { color: false });
    golden('outcome-binary.human.txt', text);
    expect(text).not.toMatch(/NaN|\u001b\[/);
    expect(text).toContain('auprc      undefined[1]  undefined[1]  undefined[1]');
    expect(text).toContain('[1] only one class is present in the labels of this comparison');
    expect(text).toMatch(/FAIL {2}auprc\.delta >= -0\.005 +value undefined\n +auprc\.delta is undefined: only one class/);
    expect(text).toMatch(/slices where the treatment is worse \(by auroc[^\n]*\n +slice +rows +control +treatment +delta\n +d +120 /);
    expect(text).toContain('0.0007 McNemar');
    expect(text.trimEnd().split('\n').at(-1)).toBe('FAIL: 2 of 4 gates failed (v2_vs_v1)');
  });

  it('colours deltas by direction and significance, verdicts green/red, only when asked', () => {
    const text = renderHuman(load(), { color: true });
    const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
    const green = (s: string) => `\u001b[32m${s}\u001b[39m`;
    const yellow = (s: string) => `\u001b[33m${s}\u001b[39m`;
    expect(text).toContain(red('     -0.0563')); // precision: worse, interval excludes 0
    expect(text).toContain(green('     +0.0633')); // accuracy: better, significant
    expect(text).toContain(yellow('     -0.0201')); // auroc: worse, interval contains 0
    expect(text).toMatch(/ {7}-0\.0221 {2}/); // log_loss: better (lower), not significant: plain
    expect(text).toContain(red('FAIL'));
    expect(text).toContain(green('PASS'));
    expect(text.replace(/\u001b\[\d+m/g, '')).toBe(renderHuman(load(), { color: false }));
  });

  it('decides colour from the stream and NO_COLOR / FORCE_COLOR', () => {
    expect(colorFor({ isTTY: true }, {})).toBe(true);
    expect(colorFor({ isTTY: false }, {})).toBe(false);
    expect(colorFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorFor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
  });

  it('marks an interrupted run', () => {
    const o = load();
    o.status = 'interrupted';
    o.meta.interrupted = true;
    const text = renderHuman(o, { color: false });
    expect(text).toContain('INTERRUPTED (partial data)');
    expect(text.trimEnd().split('\n').at(-1)).toBe('INTERRUPTED: the run stopped before the end of its data; no gate passes');
  });

  it('formats numbers without NaN and with signs on changes', () => {
    expect([formatValue(0.78850001), formatValue(184, true), formatValue(1), formatValue(1.5e-7), formatValue(0)]).toEqual([
      '0.7885',
      '184',
      '1.0000',
      '1.500e-7',
      '0',
    ]);
    expect([formatSigned(0.059), formatSigned(-0.0012), formatSigned(0), formatSigned(12, true)]).toEqual(['+0.0590', '-0.0012', '0', '+12']);
    expect([formatPValue(1.0497e-24), formatPValue(0.03121), formatPValue(1), formatPValue(0)]).toEqual(['1.05e-24', '0.0312', '1', '< 1e-300']);
  });
});

describe('JSON report', () => {
  it('is versioned and validates against report.schema.json', () => {
    const j = JSON.parse(renderReport(load(), 'json', { color: false }));
    expect(j.report_version).toBe(REPORT_VERSION);
    expect(validate(j), JSON.stringify(validate.errors)).toBe(true);
    expect(j.comparisons[0].verdicts.map((v: { passed: boolean }) => v.passed)).toEqual([false, true, false, true]);
    expect(j.comparisons[0].result.metrics.find((m: { name: string }) => m.name === 'auprc').control).toBeNull();
    expect([j.passed, j.exit_code, j.status]).toEqual([false, 1, 'complete']);
  });

  it('the schema rejects other versions and missing parts', () => {
    const j = jsonReport(load()) as unknown as Record<string, unknown>;
    expect(validate({ ...j, report_version: REPORT_VERSION + 1 })).toBe(false);
    const { meta: _meta, ...noMeta } = j;
    expect(validate(noMeta)).toBe(false);
    expect(validate({ ...j, passed: 'yes' })).toBe(false);
  });
});

describe('GitHub annotations', () => {
  it('one per gate: ::error for failed, ::notice for passed, pointing at the gate line', () => {
    const lines = githubAnnotations(load());
    golden('outcome-binary.github.txt', `${lines.join('\n')}\n`);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^::error file=examples\/fraud\/ab\.m4,line=20,col=3,endLine=20,endColumn=30,title=gate failed%3A v2_vs_v1::auroc\.delta >= -0\.01 at 95%25 — /,
    );
    expect(lines[1]).toMatch(/^::notice file=examples\/fraud\/ab\.m4,line=21,.*::recall\.delta >= 0\.2 — recall\.delta = 0\.201613 >= 0\.2$/);
    const full = renderReport(load(), 'github', { color: false });
    expect(full.startsWith(lines.join('\n'))).toBe(true);
    expect(full).toContain('comparison v2_vs_v1');
    expect(full).not.toMatch(/\u001b\[/);
  });

  it('an interrupted run and report notes become annotations too', () => {
    const o = load();
    o.status = 'interrupted';
    o.comparisons[0]!.notes = ['labels (`y`) are absent from the data: accuracy not computed'];
    const lines = githubAnnotations(o);
    expect(lines[0]).toBe('::error title=m4 run interrupted::the run stopped before the end of its data; no gate passes');
    expect(lines[1]).toBe('::warning title=m4 v2_vs_v1::labels (`y`) are absent from the data: accuracy not computed');
  });

  it('escapes workflow command data and properties', () => {
    expect(escapeData('50% done\nnext\r')).toBe('50%25 done%0Anext%0D');
    expect(escapeProperty('a:b,c')).toBe('a%3Ab%2Cc');
  });
});
