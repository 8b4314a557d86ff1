/**
 * An opt-in log of where a run's time goes, phase by phase: with `M4_PHASES=1` in the environment,
 * each {@link phaseMark} writes one line to stderr — the wall time since the process started, the
 * process's CPU (every thread), this thread's CPU, the resident memory and its peak so far — and {@link phaseThreads}
 * lists the CPU of each of the process's threads. Without the variable every call is one property read.
 *
 * For measuring the main job (docs/metrics.md, "Performance"): `M4_PHASES=1 m4c run examples/fraud/ab.m4`.
 * Linux only for the per-thread figures (`/proc`); elsewhere they print as `-`.
 */
import { readFileSync, readdirSync } from 'node:fs';

const ON = process.env.M4_PHASES !== undefined && process.env.M4_PHASES !== '' && process.env.M4_PHASES !== '0';

/** Is the phase log on? (Lets a caller skip the work of measuring a sub-phase.) */
export function phasesOn(): boolean {
  return ON;
}

/** This thread's CPU seconds (Linux: `/proc/thread-self/schedstat`, nanoseconds), or NaN. */
function threadCpu(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return NaN;
  }
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '-');

/**
 * The process's peak resident memory so far, MB (Linux: VmHWM of `/proc/self/status`), or `-`. Never
 * reset, so the mark after which it rises ends the phase that made the new peak — even one between
 * two marks, which the current `rss` misses (e.g. the result phase's rankings and DeLong at once).
 */
function peakMb(): string {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m === null ? '-' : (Number(m[1]) / 1024).toFixed(0);
  } catch {
    return '-';
  }
}

/** Write one phase line (`what` ends the phase it names) when `M4_PHASES` is set. */
export function phaseMark(what: string): void {
  if (!ON) return;
  const u = process.cpuUsage();
  // The process's uptime, not performance.now(): a worker thread's clock starts with the worker.
  const wall = process.uptime();
  const rss = process.memoryUsage.rss() / 1048576;
  process.stderr.write(
    `m4 phase ${what.padEnd(28)} wall ${fmt(wall)} s  cpu ${fmt((u.user + u.system) / 1e6)} s  thread ${fmt(threadCpu())} s  rss ${rss.toFixed(0)} MB  peak ${peakMb()} MB\n`,
  );
}

/**
 * Write the CPU seconds of every thread of the process (name and id) when `M4_PHASES` is set, then, on a
 * second line, the seconds each of them has waited for a core (runnable, not running: Linux's run-queue
 * delay) — where two busy threads share a core, or another process holds it.
 */
export function phaseThreads(what: string): void {
  if (!ON) return;
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  const cpu: string[] = [],
    waited: string[] = [];
  for (const t of tasks) {
    try {
      const name = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      // schedstat: nanoseconds on a core, nanoseconds runnable waiting for one, time slices.
      const [run, wait] = readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ').map(Number);
      if (run! < 5e6) continue;
      cpu.push(`${name}/${t} ${(run! / 1e9).toFixed(3)}`);
      waited.push(`${name}/${t} ${fmt(wait! / 1e9)}`);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  process.stderr.write(`m4 threads ${what}: ${cpu.join(', ')}\n`);
  process.stderr.write(`m4 threads ${what}, waiting for a core: ${waited.join(', ')}\n`);
}
