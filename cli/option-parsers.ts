/**
 * commander argument parsers shared by commands: each throws InvalidArgumentError with what was expected,
 * which commander prints as a one-line usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander';

/** An integer >= `min`. */
export function intAtLeast(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

/** A TCP port, 0 meaning any free port. */
export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number in [0, 65535] (0: any free port)');
  return n;
}
