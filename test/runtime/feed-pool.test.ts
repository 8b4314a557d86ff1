import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedPool } from '../../runtime/feed-pool.ts';
import { ModelHost } from '../../runtime/model-host.ts';
import { openSession, feedsToOrt, fromOrt, loadOrt } from '../../runtime/onnx-session.ts';
import type { Tensor } from '../../stdlib/types.ts';
import { returnedFeeds } from '../../runtime/worker-protocol.ts';
import { writeMlp } from './support/onnx-models.ts';
import { features, FEATURES } from './support/plans.ts';

describe('FeedPool', () => {
  it('copies into a fresh whole buffer when it holds none, from a view or a shared buffer too', () => {
    const pool = new FeedPool();
    const shared = new Float32Array(new SharedArrayBuffer(16 * 4)).fill(2.5);
    const view = new Float32Array(16).fill(1.5).subarray(4, 12);
    for (const src of [shared, view]) {
      const copy = pool.copyOf(src);
      expect(copy).not.toBe(src);
      expect(copy.buffer).toBeInstanceOf(ArrayBuffer);
      expect(copy.byteOffset).toBe(0);
      expect(copy.byteLength).toBe(copy.buffer.byteLength);
      expect([...copy]).toEqual([...src]);
    }
  });

  it('copies into an array given back, of the same type and length only', () => {
    const pool = new FeedPool();
    const back = new Float32Array(8).fill(9);
    pool.give(back);
    expect(pool.copyOf(new Float64Array(8).fill(1))).toBeInstanceOf(Float64Array);
    expect(pool.copyOf(new Float32Array(7).fill(1))).not.toBe(back);
    const src = Float32Array.from({ length: 8 }, (_, i) => i);
    const copy = pool.copyOf(src);
    expect(copy).toBe(back);
    expect([...copy]).toEqual([...src]);
    expect(pool.held).toBe(0);
    expect(pool.copyOf(src)).not.toBe(back); // taken: not handed out twice
  });

  it('keeps neither views nor detached arrays, and a bounded number of arrays', () => {
    const pool = new FeedPool(2, 2);
    pool.give(new Float32Array(8).subarray(0, 4));
    const detached = new Float32Array(8);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    pool.give(detached);
    expect(pool.held).toBe(0);
    for (let i = 0; i < 5; i++) pool.give(new Float32Array(8));
    expect(pool.held).toBe(2);
    pool.give(new Int32Array(8));
    pool.give(new Uint8Array(8)); // a third (type, length): the oldest one's arrays go
    expect(pool.held).toBe(2);
  });
});

describe('returnedFeeds', () => {
  it('hands back whole plain buffers only, never one already transferred with an output', () => {
    const whole = new Float32Array(4);
    const sharedWithOutput = new Float32Array(4);
    const transfer: ArrayBuffer[] = [sharedWithOutput.buffer];
    const back = returnedFeeds(
      {
        a: { dtype: 'f32', data: whole, dims: [4] },
        b: { dtype: 'f32', data: sharedWithOutput, dims: [4] },
        c: { dtype: 'f32', data: new Float32Array(8).subarray(2, 6), dims: [4] },
        d: { dtype: 'f32', data: new Float32Array(new SharedArrayBuffer(16)), dims: [4] },
        e: { dtype: 'str', data: ['x'], dims: [1] },
      },
      transfer,
    );
    expect(back).toEqual([whole]);
    expect(back[0]).toBe(whole);
    expect(transfer).toEqual([sharedWithOutput.buffer, whole.buffer]);
  });
});

describe('ModelHost feeds', () => {
  let dir: string;
  let path: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'm4-feed-pool-'));
    path = join(dir, 'm.onnx');
    writeMlp(path, { inputs: FEATURES, hidden: [8], seed: 3 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reuses the buffers its worker hands back, with the same outputs as the main thread and the caller's feeds intact", async () => {
    const ort = await loadOrt();
    const local = await openSession(path, { intraOpThreads: 1, allowSpinning: false });
    const host = await ModelHost.start([{ key: 0, path }], { intraOpThreads: 1, allowSpinning: false }, 0);
    try {
      for (let b = 0; b < 4; b++) {
        const rows = b === 3 ? 5 : 64; // a short last batch: another length
        const x: Tensor = { dtype: 'f32', data: features(rows, b + 1), dims: [rows, FEATURES] };
        const before = [...(x.data as Float32Array)];
        // Not owned: copied (into a pooled buffer after the first run), the caller's array untouched.
        const r = await host.run(0, { x }, new Set(), ['probabilities']);
        expect([...(x.data as Float32Array)]).toEqual(before);
        const want = fromOrt((await local.session.run(feedsToOrt(ort, { x }), ['probabilities'])).probabilities) as Tensor;
        expect([...(r.outputs.probabilities!.data as Float32Array)]).toEqual([...(want.data as Float32Array)]);
        expect(host.pooledFeeds).toBe(b === 0 ? 1 : b === 3 ? 2 : 1);
      }
      // Owned: transferred, and back into the pool after the run.
      const owned: Tensor = { dtype: 'f32', data: features(64, 9), dims: [64, FEATURES] };
      await host.run(0, { x: owned }, new Set(['x']), ['probabilities']);
      expect(host.pooledFeeds).toBe(3);
    } finally {
      await host.close();
      await local.session.release();
    }
  });
});
