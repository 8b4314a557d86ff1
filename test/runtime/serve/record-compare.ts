/**
 * Reading one comparison's record back from an SQLite results file, and comparing two records metric for metric:
 * the online-equals-offline tests (in process, and the built CLI as processes).
 */
import Database from 'better-sqlite3';
import { expect } from 'vitest';

export type Row = Record<string, unknown>;

export function recordRows(db: string, where: string): { run: Row; metrics: Row[]; gates: Row[]; slices: Row[] } {
  const d = new Database(db, { readonly: true });
  try {
    const run = d.prepare(`SELECT id, rows_counted, passed, status FROM runs WHERE ${where}`).get() as Row;
    if (run === undefined) throw new Error(`no record where ${where}`);
    const q = (sql: string) => d.prepare(sql).all(run.id) as Row[];
    return {
      run,
      metrics: q(
        'SELECT metric, kind, field, value, ci_low, ci_high, level, ci_method, pvalue, test, undefined_reason FROM metrics WHERE run_id = ? ORDER BY metric, field',
      ),
      gates: q('SELECT position, text, passed, value, ci_low, ci_high, reason FROM gates WHERE run_id = ? ORDER BY position'),
      slices: q('SELECT slice, rows, metric, control, treatment, delta, value, worse FROM slices WHERE run_id = ? ORDER BY slice, metric'),
    };
  } finally {
    d.close();
  }
}

/** Equal, numbers to 1e-12 relative (accumulation order differs: windows merge, labels arrive later). */
export function expectSame(actual: Row[], expected: Row[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    for (const k of Object.keys(e)) {
      const x = a[k];
      const y = e[k];
      if (typeof y === 'number' && typeof x === 'number')
        expect(Math.abs(x - y), `${JSON.stringify(e)} .${k}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(y)));
      else expect(x, `${JSON.stringify(e)} .${k}`).toEqual(y);
    }
  });
}
