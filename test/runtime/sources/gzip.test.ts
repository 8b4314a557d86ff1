import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../runtime/sources/source-error.ts';
import { columns, field, jsonl, readAll, tempDir, writeData } from './source-helpers.ts';

const dir = tempDir();

const rows = Array.from({ length: 300 }, (_, i) => ({ x: [i, i / 3], region: `r${i % 4}` }));
const jsonInputs = [field('x', 'f32', ['batch', 2]), field('region', 'str', ['batch'])];
const csvText = `a,b,region\n${rows.map((r) => `${r.x[0]},${r.x[1]},${r.region}`).join('\n')}\n`;
const csvInputs = [columns('x', 'f32', [['a'], ['b']]), field('region', 'str', ['batch'])];

describe('gzip', () => {
  it('reads .jsonl.gz exactly like .jsonl, with compressed bytes as progress', async () => {
    const plain = await readAll(writeData(dir, 'rows.jsonl', jsonl(rows)), { inputs: jsonInputs, batchSize: 64 });
    const gz = await readAll(writeData(dir, 'rows.jsonl.gz', jsonl(rows)), { inputs: jsonInputs, batchSize: 64 }, { chunkBytes: 97 });
    expect(gz.values).toEqual(plain.values);
    expect(gz.lines).toEqual(plain.lines);
    expect(gz.stats.totalBytes).toBeLessThan(plain.stats.totalBytes!);
    expect(gz.stats.bytesRead).toBe(gz.stats.totalBytes);
  });

  it('reads .csv.gz exactly like .csv', async () => {
    const plain = await readAll(writeData(dir, 'rows.csv', csvText), { inputs: csvInputs });
    const gz = await readAll(writeData(dir, 'rows.csv.gz', csvText), { inputs: csvInputs });
    expect(plain.values.x).toHaveLength(600);
    expect(gz.values).toEqual(plain.values);
  });

  it('reads concatenated gzip members (as `cat a.gz b.gz` makes)', async () => {
    const path = join(dir, 'two.jsonl.gz');
    writeFileSync(path, Buffer.concat([gzipSync(jsonl(rows.slice(0, 100))), gzipSync(jsonl(rows.slice(100)))]));
    const r = await readAll(path, { inputs: jsonInputs });
    expect(r.stats.rowsGood).toBe(300);
  });

  it('explains a corrupt or truncated gzip file in one line', async () => {
    const good = gzipSync(jsonl(rows));
    const cases = {
      'corrupt.jsonl.gz': Buffer.from('this is not gzip at all'),
      'truncated.jsonl.gz': good.subarray(0, good.length >> 1),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const err = await readAll(path, { inputs: jsonInputs }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceError);
      expect((err as SourceError).reason).toBe('unreadable');
      expect((err as SourceError).message).toMatch(new RegExp(`${name}: not a valid gzip file`));
      expect((err as SourceError).message).not.toContain('\n');
    }
  });
});
