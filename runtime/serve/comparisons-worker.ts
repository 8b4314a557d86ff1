/**
 * The worker thread that owns a serving run's online comparisons (comparisons-thread.ts starts it).
 *
 * It holds the window and cumulative accumulators and does everything that costs more than a copy: feeding
 * the accumulators, merging a closed window into the cumulative state, and judging both (the bootstrap
 * intervals, which take seconds on a large cumulative state). Messages are handled in the order they were
 * posted, so every pair lands in the window it was sent to, as when the same code ran on the main thread:
 * the outcomes are the same, bit for bit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { idlePriority, lowerPriority, nameThread } from '../thread-priority.ts';
import { OnlineComparisons } from './online-comparisons.ts';
import type { ComparisonsInit, ToComparisons, FromComparisons } from './comparisons-protocol.ts';

const init = workerData as ComparisonsInit;
const online = new OnlineComparisons(init.subject, new Set(init.labelled));
const hold = init.hold === null ? null : new Int32Array(init.hold);
const port = parentPort!;

/** Tests hold every judgement until they open the gate (a shared flag), to show the answers never wait on it. */
function waitForGate(): void {
  if (hold !== null) while (Atomics.load(hold, 0) === 0) Atomics.wait(hold, 0, 0);
}

nameThread('m4-comparisons');
if (init.niceness === 'idle') idlePriority();
else if (init.niceness !== null) lowerPriority(init.niceness);

port.on('message', (m: ToComparisons) => {
  try {
    switch (m.kind) {
      case 'feed':
        for (const item of m.items) {
          try {
            if (item.labelled) online.updateLabelled(item.name, item.batch);
            else online.updatePairs(item.name, item.batch);
          } catch (err) {
            // A batch the accumulator refuses (e.g. a multiclass width that changed) is reported, never fatal.
            port.postMessage({ kind: 'error', id: null, message: (err as Error).message } satisfies FromComparisons);
          }
        }
        return;
      case 'close': {
        waitForGate();
        const window = online.closeWindow(m.window);
        // A window without rows changes nothing: the cumulative state is judged only when one joined it.
        const cumulative = window === null ? null : online.outcome('cumulative', m.cumulative);
        port.postMessage({ kind: 'closed', id: m.id, window, cumulative } satisfies FromComparisons);
        return;
      }
      case 'outcome':
        waitForGate();
        port.postMessage({ kind: 'outcome', id: m.id, outcome: online.outcome('cumulative', m.meta) } satisfies FromComparisons);
        return;
    }
  } catch (err) {
    port.postMessage({ kind: 'error', id: 'id' in m ? m.id : null, message: (err as Error).message } satisfies FromComparisons);
  }
});
