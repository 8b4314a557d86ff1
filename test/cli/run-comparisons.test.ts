/**
 * `m4c run` with comparison blocks, through the real binary on the fraud example: the report, gate verdicts
 * and exit codes, the record in the database, GitHub annotations, and shards merged by `m4c merge`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, ROOT, runM4c } from '../support/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-run-cmp-'));
const FRAUD = join(ROOT, 'examples/fraud');

/** The fraud example with other gates, its model and data paths made absolute. */
function fraudWithGates(gates: string[]): string {
  const src = readFileSync(join(FRAUD, 'ab.m4'), 'utf8')
    .replace(/onnx\("models\//g, `onnx("${FRAUD}/models/`)
    .replace('replay "data/replay.jsonl"', `replay "${FRAUD}/data/replay.jsonl"`)
    .replace(/^\s*gate .*$/gm, '')
    .replace(/^\s*sink .*$/m, `  ${gates.join('\n  ')}\n  sink sqlite("${join(tmp, 'strict.db')}")`);
  const path = join(tmp, `ab-${gates.length}.m4`);
  writeFileSync(path, src);
  return path;
}

describe('m4c run with a compare block', () => {
  it('prints the report, passes the gates (exit 0) and writes one complete record', () => {
    const db = join(tmp, 'ab.db');
    const r = runM4c(['run', 'examples/fraud/ab.m4', '--db', db, '--format', 'json', '--quiet']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const c = report.comparisons[0];
    expect(c.name).toBe('v2_vs_v1');
    expect(c.result.rows).toBe(5000);
    const auroc = c.result.metrics.find((m: { name: string }) => m.name === 'auroc');
    expect(auroc.control).toBeCloseTo(0.7728, 4); // the held-out AUROC make-examples.ts printed
    expect(auroc.treatment).toBeCloseTo(0.8579, 4);
    expect(c.verdicts.every((v: { passed: boolean }) => v.passed)).toBe(true);
    const d = new Database(db, { readonly: true });
    const runs = d.prepare('SELECT status, passed, rows_seen FROM runs').all();
    expect(runs).toEqual([{ status: 'complete', passed: 1, rows_seen: 5000 }]);
    d.close();
  });

  it('a failing gate exits 1 and says which gate and why; github format annotates it', () => {
    const file = fraudWithGates(['gate agreement >= 0.99', 'gate auroc.delta >= 0.0 at 95%']);
    const r = runM4c(['run', file, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL +agreement >= 0\.99/);
    expect(r.stdout).toMatch(/PASS +auroc\.delta >= 0\.0 at 95%/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const g = runM4c(['run', file, '--quiet', '--format', 'github']);
    expect(g.code).toBe(1);
    expect(g.stdout).toMatch(/^::error .*agreement >= 0\.99/m);
  });

  it('two shards merged give the report of one unsharded run', () => {
    const whole = runM4c(['run', 'examples/fraud/ab.m4', '--format', 'json', '--quiet', '--db', join(tmp, 'whole.db')]);
    expect(whole.code).toBe(0);
    for (const i of [1, 2]) {
      const s = runM4c(['run', 'examples/fraud/ab.m4', '--shard', `${i}/2`, '--state', join(tmp, `s${i}.json`), '--quiet']);
      expect(s.code).toBe(0);
    }
    const merged = runM4c(['merge', join(tmp, 's1.json'), join(tmp, 's2.json'), '--format', 'json', '--db', join(tmp, 'merged.db')]);
    expect(merged.code).toBe(0);
    const a = JSON.parse(whole.stdout).comparisons[0].result;
    const b = JSON.parse(merged.stdout).comparisons[0].result;
    // The whole result bit for bit, log loss included: the point estimate sums exactly (docs/shards.md).
    expect(b).toEqual(a);
    expect(a.metrics.map((m: { name: string }) => m.name)).toContain('log_loss');
    expect(runM4c(['run', 'examples/fraud/ab.m4', '--shard', '1/2']).code).toBe(2); // a shard needs --state
  });
});
