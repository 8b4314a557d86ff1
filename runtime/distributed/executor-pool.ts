/**
 * Executors a replay worker keeps between jobs: the model sessions (and their worker threads) of a plan
 * are created by the worker's first shard of that plan and reused by its next ones, instead of once per
 * shard — the largest part of a shard's overhead for small models (docs/scale.md, "Measured").
 *
 * One executor per job at a time (a job borrows it, then gives it back); an executor whose run failed is
 * closed, never lent again. Only one plan's executors are kept: borrowing for another plan closes the idle
 * ones of the others, and idle executors are closed after {@link IDLE_MS}.
 */
import { createHash } from 'node:crypto';
import { createExecutor, type Executor, type ExecutorOptions } from '../executor.ts';
import type { LoadedPlan } from '../plan-load.ts';
import type { ExecutorLender } from '../replay.ts';

/** Idle executors are closed after this long without a job. */
const IDLE_MS = 10 * 60_000;

export class ExecutorPool implements ExecutorLender {
  private readonly idle = new Map<string, Executor[]>();
  private readonly keyOf = new Map<Executor, string>();
  private timer: NodeJS.Timeout | null = null;
  /** How many borrows were served by a kept executor (for the worker's log and the tests). */
  reused = 0;

  async borrow(loaded: LoadedPlan, opts: ExecutorOptions): Promise<Executor> {
    const key = createHash('sha256')
      .update(JSON.stringify([loaded.plan, [...loaded.modelPaths], opts]))
      .digest('hex');
    for (const [k, list] of this.idle) {
      if (k === key) continue;
      this.idle.delete(k);
      await Promise.all(list.map((ex) => this.drop(ex)));
    }
    const kept = this.idle.get(key)?.pop();
    if (kept !== undefined) {
      this.reused++;
      return kept;
    }
    const ex = await createExecutor(loaded, opts);
    this.keyOf.set(ex, key);
    return ex;
  }

  async giveBack(ex: Executor, healthy: boolean): Promise<void> {
    const key = this.keyOf.get(ex);
    if (!healthy || key === undefined) {
      await this.drop(ex);
      return;
    }
    const list = this.idle.get(key) ?? [];
    list.push(ex);
    this.idle.set(key, list);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.close(), IDLE_MS);
    this.timer.unref();
  }

  /** Close every idle executor (the worker is stopping, or nothing ran for a while). */
  async close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((ex) => this.drop(ex)));
  }

  private async drop(ex: Executor): Promise<void> {
    this.keyOf.delete(ex);
    await ex.close();
  }
}
