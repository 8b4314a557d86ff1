/**
 * Wait for Ctrl-C or SIGTERM: how long-running commands (`m4c dashboard`, `m4c worker`) run until they are
 * stopped, then close cleanly and exit 0.
 */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
