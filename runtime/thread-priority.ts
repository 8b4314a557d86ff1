/** Lowering a worker thread's CPU priority, for work that must yield to the answer path when cores are scarce. */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** This thread's kernel thread id (Linux: /proc/thread-self names it), or null elsewhere. */
export function threadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * Name this thread for the kernel (`/proc/PID/task/TID/comm`, what `top -H` and `ps -L` show; 15 bytes at most):
 * Node names no worker thread, so the shadow's and the comparisons' threads would all read `node`. Best effort.
 */
export function nameThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // not Linux, or refused: the name is only for diagnostics
  }
}

/**
 * Lower this thread's priority: on Linux, setpriority() on a thread id affects that thread only. Elsewhere (or
 * without /proc) nothing changes: the priority is an optimisation.
 */
export function lowerPriority(niceness: number): void {
  const tid = threadId();
  if (tid === null) return;
  try {
    setPriority(tid, niceness);
  } catch {
    // not permitted: run at normal priority
  }
}

/** The scheduling class a thread got from {@link idlePriority}. */
export type IdleClass = 'idle' | 'nice' | 'normal';

/** The thread's scheduling policy (Linux /proc stat field 41: 5 is SCHED_IDLE), or null when unreadable. */
export function schedulingPolicy(pid: number | 'self', tid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const policy = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
    return Number.isInteger(policy) ? policy : null;
  } catch {
    return null;
  }
}

const SCHED_IDLE = 5;

/**
 * Put this thread in Linux's SCHED_IDLE class: it runs only on a CPU that no normal thread wants, and a normal
 * thread that wakes on its CPU takes it at once (nice 19 still gets a share of a busy CPU, and a waking thread
 * may wait out its slice). Node has no binding for sched_setscheduler(), so `chrt` (util-linux) sets it on this
 * thread's id, once, at start (an unprivileged process may move its own threads to SCHED_IDLE). The nice value
 * is lowered first, so without `chrt` (or off Linux) the thread still runs at nice 19. Returns what it got.
 */
export function idlePriority(): IdleClass {
  const tid = threadId();
  if (tid === null) return 'normal';
  let got: IdleClass = 'normal';
  try {
    setPriority(tid, 19);
    got = 'nice';
  } catch {
    // not permitted
  }
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // no chrt on PATH, or refused
  }
  return schedulingPolicy('self', tid) === SCHED_IDLE ? 'idle' : got;
}

/** How long a thread has run on a CPU and waited for one (seconds since it started; Linux schedstat). */
export interface ThreadTimes {
  running: number;
  waiting: number;
}

/** A thread's {@link ThreadTimes} (`/proc/self/task/TID/schedstat`), or null when the kernel does not keep them. */
export function threadTimes(tid: number): ThreadTimes | null {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
    const running = Number(run) / 1e9;
    const waiting = Number(wait) / 1e9;
    return Number.isFinite(running) && Number.isFinite(waiting) ? { running, waiting } : null;
  } catch {
    return null;
  }
}
