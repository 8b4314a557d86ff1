import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSource } from '../../../runtime/sources/open-source.ts';
import { field, tempDir } from './source-helpers.ts';

const dir = tempDir();
const MB = 1024 * 1024;
const TARGET_BYTES = 200 * MB;

/** ~200 MB of fraud-shaped rows, written as one repeated 1 MiB block (fast to generate). */
function generate(path: string): { rows: number; bytes: number } {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < MB; i++) {
    const tx = Array.from({ length: 30 }, (_, j) => (((i * 31 + j * 17) % 2000) / 1000 - 1).toFixed(3));
    const line = `{"id":${i},"tx":[${tx.join(',')}],"label":${i % 2},"region":"${i % 3 ? 'eu' : 'us'}"}\n`;
    lines.push(line);
    size += line.length;
  }
  const block = Buffer.from(lines.join(''));
  const fd = openSync(path, 'w');
  let blocks = 0;
  for (; blocks * block.length < TARGET_BYTES; blocks++) writeSync(fd, block);
  closeSync(fd);
  return { rows: blocks * lines.length, bytes: blocks * block.length };
}

describe('memory', () => {
  it('stays flat while streaming a ~200 MB file', async () => {
    const path = join(dir, 'big.jsonl');
    const expected = generate(path);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    let rows = 0;
    let batches = 0;
    const src = openSource(path, {
      inputs: [field('tx', 'f32', ['batch', 30]), field('label', 'i64', ['batch']), field('region', 'str', ['batch'])],
      batchSize: 1024,
      onBadRow: 'fail',
    });
    for await (const b of src) {
      rows += b.rows;
      if (++batches % 16 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    rmSync(path);
    const growthMb = (peak - before) / MB;
    // The file is 200 MB; holding it (or its rows as objects) would cost far more than this.
    console.log(`memory: ${rows} rows, ${(src.stats.bytesRead / MB).toFixed(0)} MB read, RSS growth ${growthMb.toFixed(1)} MB`);
    expect(rows).toBe(expected.rows);
    expect(src.stats.bytesRead).toBe(expected.bytes);
    expect(growthMb).toBeLessThan(64);
  });
});
