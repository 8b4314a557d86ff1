/**
 * Run records for the sink tests, from the renderers' fixed outcome (test/runtime/report/fixtures).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOutcome } from '../../../runtime/comparison-run.ts';
import { runRecords } from '../../../runtime/run-record.ts';
import type { RunRecord } from '../../../plan/record-types.ts';

export function fixtureOutcome(): RunOutcome {
  return JSON.parse(readFileSync(join(import.meta.dirname, '../report/fixtures/outcome-binary.json'), 'utf8')) as RunOutcome;
}

/** The fixture's record, optionally edited; `passed` forced true so interruption is the only thing that fails it. */
export function fixtureRecord(edit: (o: RunOutcome) => void = () => {}): RunRecord {
  const o = fixtureOutcome();
  edit(o);
  return runRecords(o)[0]!;
}
