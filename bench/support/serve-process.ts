/**
 * Serving processes for the benches (bench/serve.ts, bench/serve-paired.ts): start one as users start it, stop it,
 * and read what it spent — CPU by thread from /proc, RSS, and its shadow arm's rows by result from `/metrics`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A started server: its process and the port it listens on. */
export interface Server {
  child: ChildProcess;
  port: number;
}

/** Starts `node ARGS` in `cwd` and resolves once its stdout matches `pattern` (group 1: the port). */
export function start(args: string[], pattern: RegExp, cwd: string): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

/**
 * SIGTERM, and resolves once the process exited — SIGKILL after `graceMs` (a server whose drain does not end must not
 * hold a bench forever; the bench reads nothing from it after this).
 */
export async function stop(s: Server, graceMs = 30_000): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((resolve) => s.child.on('exit', resolve));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.error(`bench: pid ${s.child.pid} still running ${graceMs / 1000} s after SIGTERM: SIGKILL`);
    s.child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** `m4c serve`'s "listening on" line (its port). */
export const SERVE_READY = /127\.0\.0\.1:(\d+)/;

/** The arguments of `m4c serve examples/fraud/ab.m4` in `--mode mode`, as users start it (run from a tree's root). */
export function serveArgs(mode: 'control' | 'shadow', extra: readonly string[] = []): string[] {
  const args = ['bin/m4c.js', 'serve', 'examples/fraud/ab.m4', '--port', '0', '--mode', mode, '-q'];
  if (mode === 'shadow') args.push('--db', join(mkdtempSync(join(tmpdir(), 'm4-bench-serve-')), 'live.db'));
  return [...args, ...extra];
}

/** Resident set size in MB. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) by thread of a process, and how each thread is scheduled. */
export interface ThreadCpu {
  /** The main thread (the answers' event loop). */
  main: number;
  /** The shadow arm's thread (`m4-shadow`; older code: the thread at nice 19 or in SCHED_IDLE). */
  shadow: number;
  /** The comparisons' thread (`m4-comparisons`; older code: the thread at nice 10). */
  comparisons: number;
  /** Every other thread: V8's helpers (which collect every isolate's garbage), libuv's, onnxruntime's, the sinks' (`m4-sinks`). */
  other: number;
}

/** CPU seconds so far by thread of `pid` (from /proc/PID/task/TID/stat; a thread that ended is not counted). */
export function threadCpu(pid: number): ThreadCpu {
  const t: ThreadCpu = { main: 0, shadow: 0, comparisons: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let s: string;
    try {
      s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    // Fields from the state (3rd): utime 14th, stime 15th, nice 19th, policy 41st; ticks of 10 ms (USER_HZ 100).
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const sec = (Number(f[11]) + Number(f[12])) / 100;
    // By the name the thread gave itself (runtime/thread-priority.ts's nameThread), else (older code) by its class.
    const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
    if (Number(tid) === pid) t.main += sec;
    else if (name === 'm4-shadow') t.shadow += sec;
    else if (name === 'm4-comparisons') t.comparisons += sec;
    else if (name.startsWith('m4-')) t.other += sec;
    else if (Number(f[16]) === 19 || Number(f[38]) === 5) t.shadow += sec;
    else if (Number(f[16]) === 10) t.comparisons += sec;
    else t.other += sec;
  }
  return t;
}

/** The server's `m4_shadow_rows_total` by result. */
export async function shadowCounts(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const by = new Map<string, number>();
  for (const m of text.matchAll(/^m4_shadow_rows_total\{[^}]*result="(\w+)"[^}]*\} (\d+)/gm)) by.set(m[1]!, (by.get(m[1]!) ?? 0) + Number(m[2]));
  return by;
}

/**
 * Of the rows sent to the shadow arm since `before` (the counts then), the share it ran, then the shares it did not
 * run by reason (shed: the answers' thread was busy; starved: no CPU for the shadow's thread; dropped: its queue full
 * anyway; timeout, error), e.g. `81% (shed 12, starved 7)`; `–` when none.
 */
export async function shadowRan(port: number, before: Map<string, number>): Promise<string> {
  const by = await shadowCounts(port);
  let all = 0;
  for (const [k, n] of by) {
    by.set(k, n - (before.get(k) ?? 0));
    all += n - (before.get(k) ?? 0);
  }
  if (all === 0) return '–';
  const pct = (n: number): string => ((100 * n) / all).toFixed(0);
  const rest = [...by].filter(([k, n]) => k !== 'ok' && pct(n) !== '0').map(([k, n]) => `${k} ${pct(n)}`);
  return `${pct(by.get('ok') ?? 0)}%${rest.length > 0 ? ` (${rest.join(', ')})` : ''}`;
}

/** The fraud replay's first 100 rows as single-row `/v1/predict` bodies (`root`: the repository's). */
export function predictBodies(root: string): string[] {
  return readFileSync(join(root, 'examples/fraud/data/replay.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, 100)
    .map((l) => `{"inputs":${l}}`);
}

/** CPU seconds (user + system) the whole process has used, every thread, ended ones included. */
export function processCpu(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** A thread's time on a CPU and runnable but waiting for one, in seconds, and its number of runs (Linux schedstat). */
export interface SchedStat {
  running: number;
  waiting: number;
  runs: number;
}

/** `/proc/PID/task/TID/schedstat` (TID defaults to the main thread); zeros when the kernel keeps none. */
export function schedStat(pid: number, tid = pid): SchedStat {
  try {
    const [run, wait, n] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ');
    return { running: Number(run) / 1e9, waiting: Number(wait) / 1e9, runs: Number(n) };
  } catch {
    return { running: 0, waiting: 0, runs: 0 };
  }
}
