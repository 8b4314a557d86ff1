/**
 * `m4c serve` on the multimodal example: a request whose image an op refuses (corrupt, not an image) is a
 * 400 naming the reason and the node, counted as a skipped row; good rows in the same server are answered.
 * A request may name its image by a path under `read_file`'s root, and no path reaches a file outside it.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
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

  it("reads an image named by a path under read_file's root, and refuses paths that leave it with a 400", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-paths-'));
    mkdirSync(join(dir, 'imgs'));
    const png = await sharp({ create: { width: 5, height: 4, channels: 3, background: { r: 255, g: 0, b: 51 } } })
      .png()
      .toBuffer();
    writeFileSync(join(dir, 'imgs', 'red.png'), png);
    writeFileSync(join(dir, 'secret.png'), png);
    symlinkSync(join(dir, 'secret.png'), join(dir, 'imgs', 'leak.png'));
    writeFileSync(
      join(dir, 'g.m4'),
      'input p: str[batch]\nnode px = to_tensor(resize(decode_image(read_file(p, root: "imgs")), width: 2, height: 2, fit: "fill"))\noutput pixels = px\n',
    );
    const s = await serve(compiled(join(dir, 'g.m4')), { sinks: null, maxBatch: 8 });
    servers.push(s);
    const ok = await post(`${s.url}/v1/predict`, { inputs: { p: 'red.png' } });
    expect(ok.status).toBe(200);
    expect((ok.body.outputs.pixels as number[][][]).flat(2)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0.2, 0.2, 0.2, 0.2].map((v) => expect.closeTo(v, 6)));
    for (const p of ['../secret.png', join(dir, 'secret.png'), 'leak.png', '/etc/passwd']) {
      const bad = await post(`${s.url}/v1/predict`, { inputs: { p } });
      expect(bad.status, p).toBe(400);
      expect(bad.body).toMatchObject({ error: 'bad-input', row: 0, reason: 'path-outside-root' });
    }
    const missing = await post(`${s.url}/v1/predict`, { inputs: { p: 'nope.png' } });
    expect(missing.body).toMatchObject({ error: 'bad-input', reason: 'file-missing' });
    expect((await post(`${s.url}/v1/predict`, { inputs: { p: 'red.png' } })).status).toBe(200);
  });
});
