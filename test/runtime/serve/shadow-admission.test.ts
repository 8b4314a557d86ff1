/**
 * The shadow's admission (runtime/serve/shadow-admission.ts), with its clock and loads given by the test: a batch
 * goes while the queue has room and the answers' thread is not busy; refused, it is counted by why — `shed` (the
 * answers' thread busy at --shadow-shed-load), `starved` (queue full, the shadow thread waited for a CPU longer than
 * it ran) or `dropped` (queue full, the shadow thread had the CPU).
 */
import { describe, expect, it } from 'vitest';
import { SAMPLE_MS, ShadowAdmission, type LoadTime } from '../../../runtime/serve/shadow-admission.ts';
import type { ThreadTimes } from '../../../runtime/thread-priority.ts';

/** An admission whose clock, answers' load and shadow thread times the test moves by hand. */
function setup(bound: number, shedLoad: number) {
  const state = { now: 0, load: { busy: 0, total: 0 } as LoadTime, times: { running: 0, waiting: 0 } as ThreadTimes | null };
  const a = new ShadowAdmission({
    bound,
    shedLoad,
    times: () => (state.times === null ? null : { ...state.times }),
    load: () => ({ ...state.load }),
    now: () => state.now,
  });
  /** `ms` pass: the answers' thread busy `busy` of it, the shadow's running and waiting those shares of it. */
  const pass = (ms: number, busy: number, running = 0, waiting = 0): void => {
    state.now += ms;
    state.load = { busy: state.load.busy + busy * ms, total: state.load.total + ms };
    if (state.times !== null)
      state.times = { running: state.times.running + (running * ms) / 1000, waiting: state.times.waiting + (waiting * ms) / 1000 };
  };
  return { a, state, pass };
}

describe('shadow admission', () => {
  it('admits while the queue has room; a full queue is dropped when the shadow had the CPU', () => {
    const { a, pass } = setup(10, 0.9);
    expect(a.admit('treatment', 6)).toBeNull();
    expect(a.admit('treatment', 4)).toBeNull();
    expect(a.pending('treatment')).toBe(10);
    pass(SAMPLE_MS, 0.5, 1, 0);
    expect(a.admit('treatment', 1)).toBe('dropped');
    // The thread read 6 rows and has 2 queued: 6 pending.
    a.update('treatment', 6, 2);
    expect(a.pending('treatment')).toBe(6);
    expect(a.admit('treatment', 4)).toBeNull();
    // Each shadow arm has its own bound.
    expect(a.admit('control', 10)).toBeNull();
  });

  it('a full queue whose thread waited for a CPU longer than it ran is starved; once it runs again, dropped', () => {
    const { a, pass } = setup(4, 0.9);
    expect(a.admit('treatment', 4)).toBeNull();
    pass(SAMPLE_MS, 0.5, 0.2, 0.8);
    expect(a.admit('treatment', 1)).toBe('starved');
    pass(SAMPLE_MS, 0.5, 0.7, 0.3);
    expect(a.admit('treatment', 1)).toBe('dropped');
    // A period in which it neither ran nor waited keeps the last verdict.
    pass(SAMPLE_MS, 0.5, 0, 0);
    expect(a.admit('treatment', 1)).toBe('dropped');
  });

  it('a batch larger than the whole bound is dropped, not starved, when nothing is queued', () => {
    const { a, pass } = setup(2, 0.9);
    expect(a.admit('treatment', 1)).toBeNull();
    a.update('treatment', 1, 0);
    pass(SAMPLE_MS, 0.5, 0.1, 0.9);
    expect(a.admit('treatment', 3)).toBe('dropped');
  });

  it('without schedstat (times unknown) a full queue is dropped', () => {
    const { a, state, pass } = setup(1, 0.9);
    state.times = null;
    expect(a.admit('treatment', 1)).toBeNull();
    pass(SAMPLE_MS, 0.5);
    expect(a.admit('treatment', 1)).toBe('dropped');
  });

  it('sheds while the answers thread is busy at --shadow-shed-load, whatever room the queue has, and stops once it is not', () => {
    const { a, pass } = setup(1000, 0.9);
    pass(SAMPLE_MS, 0.95);
    expect(a.admit('treatment', 1)).toBe('shed');
    // Shed rows are not posted: they take no room.
    expect(a.pending('treatment')).toBe(0);
    // Judged once per SAMPLE_MS: until then the verdict stands.
    pass(SAMPLE_MS / 2, 0.1);
    expect(a.admit('treatment', 1)).toBe('shed');
    pass(SAMPLE_MS / 2, 0.1);
    // Over the last full period (since the last reading) the load was 0.1.
    expect(a.admit('treatment', 1)).toBeNull();
    pass(SAMPLE_MS, 0.9);
    expect(a.admit('treatment', 1)).toBe('shed');
  });

  it('--shadow-shed-load 1 never sheds', () => {
    const { a, pass } = setup(1000, 1);
    pass(SAMPLE_MS, 1);
    expect(a.admit('treatment', 1)).toBeNull();
    pass(SAMPLE_MS * 10, 1, 0, 1);
    expect(a.admit('treatment', 1)).toBeNull();
  });
});
