/**
 * `m4c serve` on the multimodal example: a request whose image an op refuses (corrupt, not an image) is a
 * 400 naming the reason and the node, counted as a skipped row; good rows in the same server are answered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled, get, post, ROOT, serve } from './serve-support.ts';

const MM = join(ROOT, 'examples/multimodal/ab.m4');
const rows = readFileSync(join(ROOT, 'examples/multimodal/data/replay.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('m4c serve with image inputs', () => {
  const servers: { shutdown(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const s of servers) await s.shutdown();
  });

  it('answers good rows and refuses a bad image with a 400 counted by reason', async () => {
    const s = await serve(compiled(MM), { sinks: null, maxBatch: 8 });
    servers.push(s);
    const good = rows.find((r) => typeof r.poster === 'string' && (r.poster as string).length > 100)!;
    const ok = await post(`${s.url}/v1/predict`, { inputs: good });
    expect(ok.status).toBe(200);
    expect(ok.body.arm).toBe('control');
    expect(Object.keys(ok.body.outputs).length).toBeGreaterThan(0);

    const bad = await post(`${s.url}/v1/predict`, { inputs: { ...good, poster: Buffer.from('hello world, not an image').toString('base64') } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad-input', row: 0 });
    expect(bad.body.reason).toMatch(/^image-/);
    expect(bad.body.detail).toMatch(/^node `/);

    // In a batch, the refused row is named by its index; the server keeps answering.
    const mixed = await post(`${s.url}/v1/predict`, { rows: [good, { ...good, poster: '' }] });
    expect(mixed.status).toBe(400);
    expect(mixed.body.row).toBe(1);
    expect((await post(`${s.url}/v1/predict`, { inputs: good })).status).toBe(200);
    expect((await get(`${s.url}/healthz`)).status).toBe(200);
  });
});
