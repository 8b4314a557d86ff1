/**
 * The async iteration both batch sources share (JSONL/CSV streams and columnar files): `next()` calls are
 * serialized, so a caller that asks for the next batch before the previous one resolved still gets batches in
 * order, and a failed step does not poison the queue for `close()`; `return()` (a `for await` left early)
 * closes the source.
 */
import type { Batch } from './source-types.ts';

/** The iterator result that ends a source. */
export const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export abstract class SerialBatches implements AsyncIterator<Batch> {
  private queue: Promise<unknown> = Promise.resolve();

  /** Produce the next batch, or {@link DONE}; never called concurrently. */
  protected abstract step(): Promise<IteratorResult<Batch>>;

  abstract close(): Promise<void>;

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this;
  }

  next(): Promise<IteratorResult<Batch>> {
    const run = this.queue.then(() => this.step());
    this.queue = run.catch(() => undefined);
    return run;
  }

  async return(): Promise<IteratorResult<Batch>> {
    await this.close();
    return DONE;
  }
}
