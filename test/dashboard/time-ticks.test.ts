/**
 * The trends chart's time axis: labelled ticks on round UTC times for any span, seconds to years,
 * with labels precise enough to be distinct.
 */
import { describe, expect, it } from 'vitest';
import { timeLabel, timeTicks } from '../../dashboard/ui/time-ticks.ts';

const T0 = Date.UTC(2026, 11, 4, 4, 27, 13);
const SPANS: [string, number][] = [
  ['3 seconds', 3_000],
  ['40 seconds', 40_000],
  ['3 minutes', 180_000],
  ['50 minutes', 3_000_000],
  ['5 hours', 18_000_000],
  ['3 days', 3 * 86_400_000],
  ['5 weeks', 35 * 86_400_000],
  ['8 months', 240 * 86_400_000],
  ['6 years', 6 * 365 * 86_400_000],
];

describe('timeTicks', () => {
  it.each(SPANS)('puts 2 to 8 ticks with distinct labels inside a span of %s', (_name, span) => {
    const ticks = timeTicks(T0, T0 + span);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(8);
    expect(ticks.every((t) => t >= T0 && t <= T0 + span)).toBe(true);
    const step = ticks[1]! - ticks[0]!;
    const labels = ticks.map((t) => timeLabel(t, step));
    expect(new Set(labels).size).toBe(labels.length);
    // Round times: every tick is a multiple of its step (UTC).
    expect(ticks.every((t) => t % step === 0)).toBe(true);
  });

  it('labels seconds for sub-minute steps, hours and minutes below a day, dates above', () => {
    expect(timeLabel(Date.UTC(2026, 11, 4, 4, 27, 30), 10_000)).toBe('04:27:30');
    expect(timeLabel(Date.UTC(2026, 11, 4, 4, 30), 300_000)).toBe('12-04 04:30');
    expect(timeLabel(Date.UTC(2026, 11, 4), 86_400_000)).toBe('2026-12-04');
  });

  it('gives fewer ticks when asked (narrow charts)', () => {
    expect(timeTicks(T0, T0 + 3 * 86_400_000, 4).length).toBeLessThanOrEqual(4);
  });
});
