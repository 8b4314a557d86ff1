/**
 * Ctrl-C for a command-line replay, the same in every command: the first SIGINT asks the run to stop
 * cleanly between batches (the batch in flight and one already read finish, a summary and a record
 * marked interrupted are written); the second ends the process at once (status 130).
 *
 * "At once" must hold even while the main thread is busy (judging a bootstrap over millions of rows),
 * when no JavaScript handler can run. So once the replay has stopped reading and starts that work, it
 * calls `release()`: SIGINT gets its default disposition back, which the operating system applies
 * without waiting for the event loop. Until then the handler stays installed, so two presses that
 * arrive while a batch is being computed are both seen (the second exits) rather than one swallowed.
 */

/** Exit status of an interrupted command (128 + SIGINT), as a shell reports it. */
const INTERRUPTED = 130;

/** An interrupt trap: `signal` aborts on the first Ctrl-C; `release` uninstalls it (idempotent). */
export interface InterruptTrap {
  readonly signal: AbortSignal;
  release(): void;
}

/** Trap SIGINT for one replay (see the module comment). */
export function trapInterrupts(): InterruptTrap {
  const abort = new AbortController();
  let installed = true;
  const onSigint = (): void => {
    if (abort.signal.aborted) process.exit(INTERRUPTED);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  return {
    signal: abort.signal,
    release: () => {
      if (!installed) return;
      installed = false;
      process.off('SIGINT', onSigint);
    },
  };
}
