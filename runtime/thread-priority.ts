/** Lowering a worker thread's CPU priority, for work that must yield to the answer path when cores are scarce. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lower this thread's priority: on Linux, setpriority() on a thread id affects that thread only, and
 * /proc/thread-self names it. Elsewhere (or without /proc) nothing changes: the priority is an optimisation.
 */
export function lowerPriority(niceness: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, niceness);
  } catch {
    // not Linux, or not permitted: run at normal priority
  }
}
