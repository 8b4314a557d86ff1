/**
 * Ticks of a time axis (ms since the epoch, UTC): round seconds, minutes, hours or days for any span,
 * labelled precisely enough to be distinct. No DOM: the trends chart and the unit tests share it.
 */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
  91 * DAY,
  365 * DAY,
];

/**
 * Tick positions (ms) on round UTC seconds, minutes, hours or days between `min` and `max`: the
 * smallest step giving at most `maxTicks`, so any span from seconds to years gets labelled ticks.
 */
export function timeTicks(min: number, max: number, maxTicks = 8): number[] {
  const span = Math.max(max - min, SECOND);
  const step = STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / (365 * DAY)) * 365 * DAY;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
  return ticks;
}

/** A tick label precise enough for its step: seconds for sub-minute steps, dates for day steps. */
export function timeLabel(ms: number, step: number): string {
  const iso = new Date(ms).toISOString();
  if (step < MINUTE) return iso.slice(11, 19);
  if (step < DAY) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(0, 10);
}
