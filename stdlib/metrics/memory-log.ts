/**
 * Opt-in memory log of the result phase: with `M4_MEMORY_LOG=1` in the environment, each mark writes
 * one line to standard error — the process's resident memory now (VmRSS) and its peak since the
 * previous mark (VmHWM, reset after each mark through /proc/self/clear_refs) — so the phase that sets
 * the main job's peak can be read off one run (docs/metrics.md, "Memory of the main job"). The first
 * mark's peak is everything before it (the replay). Linux only; elsewhere, or when the files cannot
 * be read or written, the marks print what they can and never throw. Off (the default), a mark costs
 * one boolean test.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const ON = process.env.M4_MEMORY_LOG === '1';

/** MiB of a `/proc/self/status` line (`VmRSS:`, `VmHWM:`), or NaN. */
function statusMb(status: string, key: string): number {
  const m = new RegExp(`^${key}\\s+(\\d+) kB`, 'm').exec(status);
  return m === null ? NaN : Number(m[1]) / 1024;
}

/** Log the memory at the end of phase `label` (nothing unless `M4_MEMORY_LOG=1`). */
export function memoryMark(label: string): void {
  if (!ON) return;
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // Not Linux: the line says so by its NaNs.
  }
  const rss = statusMb(status, 'VmRSS:'),
    peak = statusMb(status, 'VmHWM:');
  // V8's share: its heap, and the array buffers it counts (shared ones included) — the rest of the
  // RSS is the process's code, native heaps (glibc's arenas, onnxruntime) and threads.
  const m = process.memoryUsage();
  const mb = (x: number): string => (x / 2 ** 20).toFixed(0).padStart(5);
  process.stderr.write(
    `m4 memory: ${label.padEnd(36)} rss ${mb(rss * 2 ** 20)} MB   peak since last mark ${mb(peak * 2 ** 20)} MB   V8 heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)} MB, array buffers ${mb(m.arrayBuffers)} MB\n`,
  );
  try {
    // 5: reset the peak resident set size (VmHWM) to the current one.
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // No reset: later peaks are then peaks since the start.
  }
}
