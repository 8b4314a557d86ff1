/**
 * Ctrl-C for a command-line replay, the same in every command: the first SIGINT asks the run to stop
 * cleanly between batches (the batch in flight and one already read finish, a summary and a record
 * marked interrupted are written); the second ends the process at once.
 *
 * "At once" must hold even while the main thread is busy (parsing a block, finishing a bootstrap), when
 * no JavaScript handler can run: so after the first signal our listener is removed and SIGINT gets its
 * default disposition back, which the operating system applies without waiting for the event loop
 * (status 130 in a shell).
 */

/** An interrupt trap: `signal` aborts on the first Ctrl-C; `release` uninstalls it (idempotent). */
export interface InterruptTrap {
  readonly signal: AbortSignal;
  release(): void;
}

/** Trap SIGINT for one replay (see the module comment). */
export function trapInterrupts(): InterruptTrap {
  const abort = new AbortController();
  let installed = true;
  const release = (): void => {
    if (!installed) return;
    installed = false;
    process.off('SIGINT', onSigint);
  };
  function onSigint(): void {
    release();
    abort.abort();
  }
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, release };
}
