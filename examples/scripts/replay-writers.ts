/**
 * Replay files for `m4c run --data`: JSON Lines (one object per row, features as an array) and the
 * same rows as CSV with one column per feature. Feature values were rounded to 3 decimals when
 * generated, so both files hold exactly the numbers the models were evaluated on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Dataset } from './synthetic-data.ts';

/**
 * `{"id":1,"<featureKey>":[...],"label":0,"region":"eu"}` per line; `region` only when the data
 * set has one. Returns the number of bytes written.
 */
export function writeJsonl(path: string, d: Dataset, featureKey: string): number {
  const lines: string[] = new Array(d.rows);
  for (let r = 0; r < d.rows; r++) {
    const row: Record<string, unknown> = {
      id: d.ids[r],
      [featureKey]: Array.from(d.x.subarray(r * d.cols, (r + 1) * d.cols)),
      label: d.y[r],
    };
    if (d.region) row.region = d.region[r];
    lines[r] = JSON.stringify(row);
  }
  return write(path, lines.join('\n') + '\n');
}

/** Header `id,<prefix>0..<prefix>{cols-1},label[,region]`, one row per line. Returns bytes written. */
export function writeCsv(path: string, d: Dataset, columnPrefix: string): number {
  const header = ['id', ...Array.from({ length: d.cols }, (_, j) => `${columnPrefix}${j}`), 'label'];
  if (d.region) header.push('region');
  const lines = [header.join(',')];
  for (let r = 0; r < d.rows; r++) {
    const cells: (string | number)[] = [d.ids[r], ...d.x.subarray(r * d.cols, (r + 1) * d.cols), d.y[r]];
    if (d.region) cells.push(d.region[r]);
    lines.push(cells.join(','));
  }
  return write(path, lines.join('\n') + '\n');
}

function write(path: string, text: string): number {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}
