/**
 * A full garbage collection, now, for the few moments when a phase has just let go of most of the
 * process's memory and the next phase is about to allocate as much again (the end of a replay, before
 * the comparisons' result phase).
 *
 * Why it is needed: the large buffers (the batches' tensors, the model outputs, the released
 * sessions' buffers) live outside the JavaScript heap, and V8 collects them only when the heap itself or the
 * external memory has grown enough since the last collection — so tens of MB of them can still be
 * resident when the next phase starts, and they add to its peak (docs/performance.md, "Memory of the main
 * job"). Two collections: the first finds the dead buffers, their backing stores are released by the
 * sweep that the second one completes.
 *
 * `gc` is not exposed to programs by default: the flag is set at run time and the function taken from
 * a new context, which is the only place it appears (the serve tests and the shadow thread's heap query use it too).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/** Collect garbage twice, synchronously (tens of ms with a small heap); a no-op where `gc` cannot be had. */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const f: unknown = runInNewContext('gc');
      gc = typeof f === 'function' ? (f as () => void) : null;
    } catch {
      gc = null;
    }
  }
  if (gc === null) return;
  gc();
  gc();
}
