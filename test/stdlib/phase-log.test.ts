import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

/** The lines `phaseMark` writes to standard error while `f` runs, with M4_PHASES set to `env`. */
async function lines(env: string, f: (mark: (what: string) => void) => void): Promise<string[]> {
  vi.resetModules();
  vi.stubEnv('M4_PHASES', env);
  const { phaseMark } = await import('../../stdlib/phase-log.ts');
  const out: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  f(phaseMark);
  return out;
}

describe('phaseMark (M4_PHASES)', () => {
  it('writes nothing unless M4_PHASES is set', async () => {
    expect(await lines('', (m) => m('result: start'))).toEqual([]);
    expect(await lines('0', (m) => m('result: start'))).toEqual([]);
  });

  it('writes one line per mark: times, the resident memory and its peak so far, which never falls', async () => {
    const out = await lines('1', (m) => {
      m('one');
      m('two');
    });
    expect(out).toHaveLength(2);
    const re = /^m4 phase (\S+) +wall [\d.]+ s {2}cpu [\d.]+ s {2}thread ([\d.]+|-) s {2}rss (\d+) MB {2}peak (\d+|-) MB\n$/;
    const [a, b] = out.map((l) => re.exec(l));
    expect(a?.[1]).toBe('one');
    expect(b?.[1]).toBe('two');
    if (process.platform === 'linux') {
      expect(Number(a![4])).toBeGreaterThanOrEqual(Number(a![3]) - 1);
      expect(Number(b![4])).toBeGreaterThanOrEqual(Number(a![4]));
    }
  });
});
