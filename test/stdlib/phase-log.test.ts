import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

/** The lines `phaseMark` (or `phaseThreads`) writes to standard error while `f` runs, with M4_PHASES set to `env`. */
async function lines(env: string, f: (mark: (what: string) => void) => void, which: 'phaseMark' | 'phaseThreads' = 'phaseMark'): Promise<string[]> {
  vi.resetModules();
  vi.stubEnv('M4_PHASES', env);
  const { [which]: phaseMark } = await import('../../stdlib/phase-log.ts');
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

  it('lists the threads: their CPU seconds, then the seconds each waited for a core, in the same order', async () => {
    // Some CPU on this thread first: the list leaves out threads under 5 ms.
    const until = performance.now() + 20;
    while (performance.now() < until);
    const out = await lines('1', (m) => m('at the end'), 'phaseThreads');
    expect(await lines('', (m) => m('at the end'), 'phaseThreads')).toEqual([]);
    // Per-thread figures need Linux's scheduler statistics (/proc/<pid>/task/<tid>/schedstat).
    if (!existsSync('/proc/thread-self/schedstat')) return;
    expect(out).toHaveLength(2);
    const [cpu, waited] = out.map((l) => /^m4 threads at the end(, waiting for a core)?: (.*)\n$/.exec(l));
    expect(cpu?.[1]).toBeUndefined();
    expect(waited?.[1]).toBe(', waiting for a core');
    const ids = (l: string) => l.split(', ').map((e) => /^\S+\/(\d+) [\d.]+$/.exec(e)?.[1]);
    expect(ids(cpu![2]!)).toContain(String(process.pid));
    expect(ids(waited![2]!)).toEqual(ids(cpu![2]!));
  });
});
