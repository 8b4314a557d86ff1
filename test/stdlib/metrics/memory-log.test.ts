import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

/** The lines `memoryMark` writes to standard error while `f` runs. */
async function marks(env: string | undefined, f: (mark: (label: string) => void) => void): Promise<string[]> {
  vi.resetModules();
  if (env !== undefined) vi.stubEnv('M4_MEMORY_LOG', env);
  else vi.stubEnv('M4_MEMORY_LOG', '');
  const { memoryMark } = await import('../../../stdlib/metrics/memory-log.ts');
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  f(memoryMark);
  return lines;
}

describe('memoryMark (M4_MEMORY_LOG)', () => {
  it('writes nothing unless M4_MEMORY_LOG=1', async () => {
    expect(await marks(undefined, (m) => m('result: start'))).toEqual([]);
    expect(await marks('0', (m) => m('result: start'))).toEqual([]);
  });

  it('writes one line per mark: the label, RSS, the peak since the last mark, and V8’s share', async () => {
    const lines = await marks('1', (m) => {
      m('phase one');
      m('phase two');
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^m4 memory: phase one +rss +(\d+|NaN) MB +peak since last mark +(\d+|NaN) MB +V8 heap +\d+ of +\d+ MB, array buffers +\d+ MB\n$/,
    );
    expect(lines[1]).toMatch(/^m4 memory: phase two /);
    if (process.platform === 'linux') expect(lines[0]).not.toMatch(/NaN/);
  });
});
