/**
 * Replay files for CLI tests: one JSON object per line with `x` (30 floats) and `label`, built from
 * the same deterministic features as {@link features}, optionally with malformed lines inserted.
 */
import { writeFileSync } from 'node:fs';
import { features, FEATURES } from './plans.ts';

/**
 * Write `rows` good rows to `path`. `badAfter` maps a good-row index to a malformed line inserted
 * after it. Returns the feature matrix of the good rows, in order.
 */
export function writeReplay(path: string, rows: number, badAfter: Record<number, string> = {}): Float32Array {
  const x = features(rows);
  const parts: string[] = [];
  for (let i = 0; i < rows; i++) {
    parts.push(JSON.stringify({ x: Array.from(x.subarray(i * FEATURES, (i + 1) * FEATURES)), label: i % 2 }));
    if (badAfter[i] !== undefined) parts.push(badAfter[i]);
  }
  writeFileSync(path, `${parts.join('\n')}\n`);
  return x;
}
