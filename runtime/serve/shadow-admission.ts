/**
 * Whether an answered batch goes to the shadow arm's thread, and if not, why — decided on the main thread, where
 * the work is posted, without waiting for anything. A refused batch is counted by its reason
 * (`m4_shadow_rows_total{result=...}`), and only its rows' ids are posted (feedback for them says `unpaired`):
 * - `shed`: the answers need this thread — over the last {@link SAMPLE_MS} ms or more, it was running or waiting
 *   for a CPU at least `shedLoad` of the time (`--shadow-shed-load`; Linux schedstat, elsewhere the event loop's
 *   utilisation). Handing a batch to the shadow (copying its rows, posting them, reading the shadow's counts) is
 *   work on the answers' thread, and the shadow's own threads take CPU the answers then wait for: at that load any
 *   more work is queueing for the answers. Shedding stops as soon as the load falls below it;
 * - `starved`: the shadow's queue (`--shadow-queue` rows posted and not done) is full and its thread waited for a
 *   CPU longer than it ran over that period (Linux schedstat): the machine has no CPU to spare for it. In shadow
 *   mode that thread is in SCHED_IDLE, so it runs only on a CPU nothing else wants;
 * - `dropped`: the queue is full and the thread had the CPU: the shadow arm is slower than the traffic.
 * Off Linux (no schedstat) a full queue is always `dropped`.
 */
import { threadTimes, type ThreadTimes } from '../thread-priority.ts';
import type { Arm } from './arm-plans.ts';

/** The shortest period over which the loads are judged (and the most often they are read). */
export const SAMPLE_MS = 50;

/** `--shadow-shed-load`'s default (see docs/serve.md, Performance). */
export const SHED_LOAD = 0.9;

/** Why a batch was not posted. */
export type Refusal = 'shed' | 'starved' | 'dropped';

/** A thread's busy time so far and the time it was measured over, in ms (both only grow). */
export interface LoadTime {
  busy: number;
  total: number;
}

/**
 * This thread's load so far: on Linux the time it ran or was runnable and waited for a CPU (schedstat) over the
 * wall time; elsewhere its event loop's active time over active and idle (which counts the wait for a CPU after
 * a wake-up as idle, so it reads low on a busy machine).
 */
export function threadLoad(tid: number | null): () => LoadTime {
  const linux = tid === null ? null : threadTimes(tid);
  if (tid === null || linux === null)
    return () => {
      const u = performance.eventLoopUtilization();
      return { busy: u.active, total: u.active + u.idle };
    };
  return () => {
    const t = threadTimes(tid);
    return { busy: t === null ? 0 : (t.running + t.waiting) * 1000, total: performance.now() };
  };
}

export interface AdmissionOptions {
  /** `--shadow-queue` rows, per shadow arm. */
  bound: number;
  /** `--shadow-shed-load`: the answers' thread's load (0–1) at which shadow work is shed; 1 never sheds. */
  shedLoad: number;
  /** The shadow thread's run and wait times so far (null: unknown). */
  times(): ThreadTimes | null;
  /** The answers' thread's load so far. */
  load(): LoadTime;
  /** A clock in ms. */
  now?(): number;
}

export class ShadowAdmission {
  /** Per shadow arm: rows posted with their tensors; rows the thread said it received; rows queued there now. */
  private readonly posted: Record<Arm, number> = { control: 0, treatment: 0 };
  private readonly received: Record<Arm, number> = { control: 0, treatment: 0 };
  private readonly queued: Record<Arm, number> = { control: 0, treatment: 0 };
  private readonly now: () => number;
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastTimes: ThreadTimes | null = null;
  private lastLoad: LoadTime;
  private starved = false;
  private busy = false;

  constructor(private readonly opts: AdmissionOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.lastLoad = opts.load();
  }

  /** Rows posted to `arm` and not done. */
  pending(arm: Arm): number {
    return this.posted[arm] - this.received[arm] + this.queued[arm];
  }

  /** May `n` more rows go to `arm`? null: yes, and they are counted as posted; else why not. */
  admit(arm: Arm, n: number): Refusal | null {
    this.sample();
    if (this.busy) return 'shed';
    if (this.pending(arm) + n <= this.opts.bound) {
      this.posted[arm] += n;
      return null;
    }
    // A batch larger than the whole bound is refused whatever the CPU: only a queue that holds work is starved.
    return this.starved && this.pending(arm) > 0 ? 'starved' : 'dropped';
  }

  /** The thread's counts: rows received with their tensors (a total since the start), rows queued or running now. */
  update(arm: Arm, received: number | undefined, queued: number | undefined): void {
    if (received !== undefined) this.received[arm] = received;
    if (queued !== undefined) this.queued[arm] = queued;
  }

  /**
   * Judge both loads over the period since the last reading, once it is SAMPLE_MS long: the answers' thread (busy:
   * its load at least shedLoad) and the shadow's (starved: it waited for a CPU longer than it ran; a period in
   * which it neither ran nor waited keeps the last verdict).
   */
  private sample(): void {
    const at = this.now();
    if (at - this.lastAt < SAMPLE_MS) return;
    const load = this.opts.load();
    const busy = load.busy - this.lastLoad.busy;
    const all = load.total - this.lastLoad.total;
    this.busy = this.opts.shedLoad < 1 && all > 0 && busy >= this.opts.shedLoad * all;
    const t = this.opts.times();
    if (t !== null && this.lastTimes !== null) {
      const ran = t.running - this.lastTimes.running;
      const waited = t.waiting - this.lastTimes.waiting;
      if (ran + waited > 0) this.starved = waited > ran;
    }
    this.lastAt = at;
    this.lastLoad = load;
    this.lastTimes = t;
  }
}
