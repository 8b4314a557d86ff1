/** The drain's bound (`--drain-timeout`): work awaited until a deadline, then told it is late. */

/**
 * Await `work`; if it is not done by `deadline` (a performance.now() time; Infinity: never late), call `late` once
 * and go on awaiting it — `late` is what makes it end (connections closed, queued work given up).
 */
export async function beforeDeadline(work: Promise<void>, deadline: number, late: () => void): Promise<void> {
  if (!Number.isFinite(deadline)) return work;
  const timer = setTimeout(late, Math.max(0, deadline - performance.now()));
  try {
    await work;
  } finally {
    clearTimeout(timer);
  }
}
