/**
 * An open-loop load at a fixed offered rate, for latencies below saturation. autocannon's `overallRate` is not
 * one: each connection sends its per-second quota as fast as the server answers at the start of every second,
 * then waits (lib/httpClient.js, `reqsMadeThisSecond`), so its "4,000 req/s" is a saturating burst of ~0.2 s
 * each second, whose latencies are the closed loop's. Here request k is due at k / rate seconds and is written
 * then (the timer wakes every millisecond and sends what is due: micro-bursts of rate/1000) on a free keep-alive
 * connection, whatever the answers before it; its latency runs from its write to its whole response. A request that finds every
 * connection busy waits in the generator, counted in `late` and timed from when it was due (no coordinated
 * omission).
 */
import { connect, type Socket } from 'node:net';

export interface PacedResult {
  sent: number;
  answered: number;
  /** Answers whose status was not 2xx, and connection errors. */
  errors: number;
  /** Requests that waited for a free connection (their latency includes that wait). */
  late: number;
  /** Every 2xx answer's latency in ms, unsorted. */
  latencies: Float64Array;
  seconds: number;
}

/** How long a run waits for its last answers after its last request was due. */
const DRAIN_MS = 10_000;

interface Conn {
  socket: Socket;
  busy: boolean;
  /** When the request in flight was written, or due if it had to wait for a connection (performance.now()). */
  due: number;
  buf: string;
  /** Connected, and not closed since. */
  connected: boolean;
}

/**
 * POST `bodies` (cycled) to `http://127.0.0.1:port{path}` at `rate` requests per second for `seconds`, over
 * up to `connections` keep-alive connections; resolves once every request sent was answered.
 */
export async function pacedLoad(
  port: number,
  path: string,
  bodies: readonly string[],
  rate: number,
  seconds: number,
  connections = 64,
): Promise<PacedResult> {
  const client = await pacedClient(port, path, bodies, connections);
  try {
    return await client.run(rate, seconds);
  } finally {
    client.close();
  }
}

/** Keep-alive connections to one server that offer paced loads one after another (bench/serve-paired.ts's slices). */
export interface PacedClient {
  /** One paced load: `rate` req/s for `seconds`; resolves once every request sent was answered. */
  run(rate: number, seconds: number): Promise<PacedResult>;
  close(): void;
}

/** Opens `connections` keep-alive connections to `http://127.0.0.1:port`; `run` paces loads over them (see the file's header). */
export async function pacedClient(port: number, path: string, bodies: readonly string[], connections = 64): Promise<PacedClient> {
  const requests = bodies.map(
    (b) =>
      `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(b)}\r\n\r\n${b}`,
  );
  let latencies = new Float64Array(0);
  let answered = 0;
  let ok = 0;
  let errors = 0;
  let late = 0;
  let sent = 0;
  let next = 0; // the body of the next request, cycling across runs
  const free: Conn[] = [];
  const all: Conn[] = [];
  let closing = false;
  const waiting: number[] = []; // due times of requests no connection could take yet
  let onDrained: (() => void) | null = null;

  const write = (c: Conn, due: number): void => {
    c.busy = true;
    c.due = due;
    c.socket.write(requests[next++ % requests.length]!);
    sent++;
  };
  const answer = (c: Conn, status: number): void => {
    const ms = performance.now() - c.due;
    answered++;
    if (status >= 200 && status < 300 && ok < latencies.length) latencies[ok++] = ms;
    else if (status < 200 || status >= 300) errors++;
    c.busy = false;
    const due = waiting.shift();
    if (due !== undefined) write(c, due);
    else free.push(c);
    if (onDrained !== null && answered === sent && waiting.length === 0) onDrained();
  };
  const open = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.setEncoding('latin1');
      const c: Conn = { socket, busy: false, due: 0, buf: '', connected: false };
      socket.on('data', (chunk: string) => {
        c.buf += chunk;
        // Whole responses only: headers, then content-length bytes (the server always sends one).
        for (;;) {
          const end = c.buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const len = /content-length: (\d+)/i.exec(c.buf.slice(0, end));
          const total = end + 4 + (len ? Number(len[1]) : 0);
          if (c.buf.length < total) return;
          const status = Number(c.buf.slice(9, 12));
          c.buf = c.buf.slice(total);
          answer(c, status);
        }
      });
      socket.on('error', (err) => {
        if (!c.connected) reject(err);
      });
      socket.on('connect', () => {
        c.connected = true;
        resolve(c);
      });
      // The server may close a connection (its keep-alive timeout: between a client's runs, or while the connections
      // at the bottom of the free stack idle): one in flight is answered as an error, and a fresh connection takes
      // its place, so no run waits forever for an answer that cannot come.
      socket.on('close', () => {
        if (!c.connected || closing) return;
        c.connected = false;
        const k = free.indexOf(c);
        if (k >= 0) free.splice(k, 1);
        all.splice(all.indexOf(c), 1);
        if (c.busy) {
          c.busy = false;
          answered++;
          errors++;
          if (onDrained !== null && answered === sent && waiting.length === 0) onDrained();
        }
        open().then(
          (fresh) => {
            all.push(fresh);
            const due = waiting.shift();
            if (due !== undefined) write(fresh, due);
            else free.push(fresh);
          },
          () => {}, // the server is gone: the run's requests still waiting are never sent (counted as sent - answered)
        );
      });
    });
  for (const c of await Promise.all(Array.from({ length: connections }, open))) {
    free.push(c);
    all.push(c);
  }

  const run = async (rate: number, seconds: number): Promise<PacedResult> => {
    latencies = new Float64Array(Math.ceil(rate * seconds) + 16);
    answered = ok = errors = late = sent = 0;
    const t0 = performance.now();
    const total = Math.floor(rate * seconds);
    let due = 0; // requests made due so far
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = performance.now();
        const target = Math.min(total, Math.floor(((now - t0) / 1000) * rate));
        for (; due < target; due++) {
          const c = free.pop();
          // Timed from the write (the timer's own lateness, up to a millisecond, is the generator's, not the
          // server's); one that waits for a connection, from when it was due.
          if (c !== undefined) write(c, now);
          else {
            const at = t0 + (due * 1000) / rate;
            late++;
            waiting.push(at);
          }
        }
        if (due < total) setTimeout(tick, 1);
        else resolve();
      };
      tick();
    });
    // Bounded: answers not in DRAIN_MS after the last request was due are given up — their connections closed (each
    // counted as an error and replaced, above), requests still waiting for one counted as errors — so a lost answer
    // cannot hold a run (or a bench) forever.
    if (answered < sent || waiting.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          onDrained = null;
          errors += waiting.length;
          waiting.length = 0;
          for (const c of [...all])
            if (c.busy) {
              c.busy = false;
              answered++;
              errors++;
              c.socket.destroy(); // its 'close' replaces it
            }
          resolve();
        }, DRAIN_MS);
        onDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    onDrained = null;
    const seconds_ = (performance.now() - t0) / 1000;
    return { sent, answered, errors, late, latencies: latencies.subarray(0, ok), seconds: seconds_ };
  };
  return {
    run,
    close: () => {
      closing = true;
      all.forEach((c) => c.socket.destroy());
    },
  };
}
