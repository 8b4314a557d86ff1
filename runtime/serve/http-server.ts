/**
 * The HTTP layer of `m4c serve`, and the only module that knows it is fastify: routes are plain
 * functions from {@link HttpRequest} to {@link HttpReply}, so another server (bare `node:http`, uWS)
 * can be swapped in here without touching the service.
 *
 * JSON bodies are parsed like replay rows (bare NaN/Infinity are read as the strings "NaN", ... so a
 * numeric field holding one is refused with the precise `nan` reason). Malformed JSON is a 400, a body
 * over the limit a 413, an unknown route a 404, an unsupported content type a 415 — each a JSON body,
 * never a stack trace.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { JsonSyntaxError, parseJsonLenient } from '../sources/json-row.ts';

export interface HttpRequest {
  body: unknown;
  /** Lower-case header names. */
  header(name: string): string | undefined;
}

export interface HttpReply {
  status: number;
  /** A string is sent as is (with `contentType`), anything else as JSON. */
  body: unknown;
  contentType?: string;
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler(req: HttpRequest): HttpReply | Promise<HttpReply>;
}

export interface HttpServerOptions {
  bodyLimit: number;
  routes: Route[];
  /**
   * Called once per route path (and once with `unknown` for requests no route takes): the function then
   * called for each answered request of that route, with its status and seconds (from the request's arrival
   * to its answer handed to the socket).
   */
  onResponse?(route: string): (status: number, seconds: number) => void;
  /** Called with errors the routes did not handle (500s). */
  onError?(err: unknown): void;
  /** Called when a route's body is not JSON (answered 400 `bad-json` here, before the route runs). */
  onBadJson?(route: string): void;
}

/** A listening server. */
export interface HttpServer {
  readonly port: number;
  /**
   * Stop accepting (the listener closes: new connections are refused); resolves once the requests taken are
   * answered. Idle kept-alive connections are closed at once, the others after their answer; a request read
   * meanwhile on one of them is answered 503 (fastify's `return503OnClosing`).
   */
  close(): Promise<void>;
  /** Close every connection now, requests in flight included (their answers, if any, are lost). */
  closeConnections(): void;
  /** Connections open now. */
  connections(): number;
}

/** A request as the routes see it (a class, so no closure is made per request). */
class RequestView implements HttpRequest {
  constructor(
    readonly body: unknown,
    private readonly headers: Record<string, string | string[] | undefined>,
  ) {}

  header(name: string): string | undefined {
    return headerValue(this.headers[name]);
  }
}

/**
 * When a request arrived (its headers read), stamped on the raw request by the server's first `request`
 * listener. Not fastify's `reply.elapsedTime`: fastify starts that clock only when a logger or an `onResponse`
 * hook is set, and this server has neither (a hook costs a run per request), so it always read 0.
 */
const ARRIVED = Symbol('m4.arrived');
type Stamped = IncomingMessage & { [ARRIVED]?: number };

/** Seconds from the request's arrival to now. */
function secondsSince(req: IncomingMessage): number {
  const t0 = (req as Stamped)[ARRIVED];
  return t0 === undefined ? 0 : (performance.now() - t0) / 1000;
}

class BodySyntaxError extends Error {
  readonly statusCode = 400;
}

/** Start listening on host:port (0: an ephemeral port). */
export async function startHttpServer(host: string, port: number, opts: HttpServerOptions): Promise<HttpServer> {
  /** Set by close(): every answer then says `connection: close`. */
  const closing = { value: false };
  const app: FastifyInstance = Fastify({ bodyLimit: opts.bodyLimit, logger: false, forceCloseConnections: 'idle', return503OnClosing: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/*+json'], { parseAs: 'string' }, (_req, text, done) => {
    const value = parseJsonLenient(text as string);
    if (value instanceof JsonSyntaxError) done(new BodySyntaxError(value.message), undefined);
    else done(null, value);
  });
  // Requests are counted as they are answered, by the route's handler (or the error and not-found handlers),
  // which know their route: an onResponse hook costs a hook run per request and would read
  // `request.routeOptions`, an object built on every access.
  const recorders = new Map<string, Recorder>();
  const recorder = (path: string): Recorder => {
    let r = recorders.get(path);
    if (r === undefined) {
      r = opts.onResponse?.(path) ?? (() => {});
      recorders.set(path, r);
    }
    return r;
  };
  for (const r of opts.routes) {
    const record = recorder(r.path);
    const handler = r.handler;
    app.route({
      method: r.method,
      url: r.path,
      // Not an async function: the route's own promise is the only one per request (an error goes to the
      // error handler through `reply.send`, as a thrown one would).
      handler(req, reply): void {
        let out: HttpReply | Promise<HttpReply>;
        try {
          out = handler(new RequestView(req.body, req.headers));
        } catch (err) {
          reply.send(err);
          return;
        }
        if (out instanceof Promise)
          out.then(
            (o) => send(reply, o, record, closing.value),
            (err: unknown) => reply.send(err),
          );
        else send(reply, out, record, closing.value);
      },
    });
  }
  const unknown = recorder('unknown');
  app.setNotFoundHandler((req, reply) => {
    if (closing.value) reply.header('connection', 'close');
    reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ error: 'not-found', detail: `no route ${req.method} ${req.url.split('?')[0]}` }));
    unknown(404, secondsSince(req.raw));
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) opts.onError?.(err);
    const error =
      status === 413
        ? 'too-large'
        : status === 415
          ? 'unsupported-media-type'
          : err instanceof BodySyntaxError
            ? 'bad-json'
            : status >= 500
              ? 'internal'
              : 'bad-request';
    const type = headerValue(req.headers['content-type']);
    const detail =
      status === 413
        ? `the body is over the limit of ${opts.bodyLimit} bytes (--body-limit)`
        : status === 415
          ? // curl's `-d` without `-H 'content-type: application/json'` sends a form: say what was sent and what is read.
            `${type === undefined ? 'a body without a content-type' : `content-type ${JSON.stringify(type.slice(0, 100))}`} is not read: send JSON with \`content-type: application/json\``
          : status >= 500
            ? 'internal error (logged by the server)'
            : err.message;
    if (err instanceof BodySyntaxError && req.routeOptions.url !== undefined) opts.onBadJson?.(req.routeOptions.url);
    if (closing.value) reply.header('connection', 'close');
    reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify({ error, detail }));
    recorder(req.routeOptions.url ?? 'unknown')(status, secondsSince(req.raw));
  });
  // First of the server's `request` listeners (fastify's own is already there): the arrival of each request.
  app.server.prependListener('request', (req: Stamped) => {
    req[ARRIVED] = performance.now();
  });
  // The connections open, to say how many a drain cut.
  const open = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  // A deeper accept queue than Node's 511: bursts of new connections wait instead of being refused.
  await app.listen({ host, port, backlog: 4096 });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    port: bound,
    close: () => {
      // Answers written from now on close their connection: a kept-alive connection whose request was in flight
      // would otherwise stay open, idle, for fastify's keep-alive timeout (72 s) after its answer, and hold the
      // close (and the drain behind it) that long. Connections idle now are closed by fastify ('idle').
      closing.value = true;
      return app.close();
    },
    closeConnections: () => app.server.closeAllConnections(),
    connections: () => open.size,
  };
}

type Recorder = (status: number, seconds: number) => void;

function send(reply: FastifyReply, out: HttpReply, record: Recorder, closing: boolean): void {
  reply.code(out.status);
  if (closing) reply.header('connection', 'close');
  if (typeof out.body === 'string') reply.type(out.contentType ?? 'text/plain; charset=utf-8').send(out.body);
  else reply.type('application/json; charset=utf-8').send(JSON.stringify(out.body));
  record(out.status, secondsSince(reply.request.raw));
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
