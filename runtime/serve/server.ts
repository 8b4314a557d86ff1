/**
 * `m4c serve` as a library: the service behind its routes on a listening HTTP server, and an orderly
 * shutdown (stop accepting, answer in-flight requests, finish shadow work, write the last window and the
 * cumulative record). Signals and exit codes belong to the CLI (cli/commands/serve.ts).
 */
import { basename } from 'node:path';
import type { LoadedPlan } from '../plan-load.ts';
import { renderJson } from '../report/report-json.ts';
import { startHttpServer, type HttpServer, type Route } from './http-server.ts';
import { ServeMetrics } from './serve-metrics.ts';
import { ServeService, type ServeOptions } from './serve-service.ts';
import { beforeDeadline } from './deadline.ts';
import { formatType } from '../../plan/tensor-type.ts';
import { EXIT, M4Error } from '../../plan/errors.ts';
import { SinkError } from '../sinks/sink.ts';

export interface StartServeOptions extends ServeOptions {
  host: string;
  /** 0: an ephemeral port (tests). */
  port: number;
  bodyLimit: number;
}

/** A running server. */
export interface RunningServe {
  readonly port: number;
  readonly service: ServeService;
  readonly metrics: ServeMetrics;
  /** Resolves once every model session is open (the server listens before). Rejects if one cannot open. */
  readonly ready: Promise<void>;
  /**
   * Stop accepting, drain (within `drainTimeoutMs` from this call: then the connections still open are closed and
   * the shadow work left is given up, counted), write the last window and the cumulative record, release the
   * models. Idempotent. Rejects with an M4Error naming the sink and what was not written when a sink fails, or when
   * the records are not written `writeTimeoutMs` after the drain's bound: then nothing more is written, and the
   * threads and sinks are left for the process's exit to end (a call to a server that does not answer never returns).
   */
  shutdown(): Promise<void>;
  /** Start no more model calls, write nothing more; resolves when no call runs (then exit the process). */
  halt(): Promise<void>;
}

function resultWord(status: number): string {
  if (status < 300) return 'ok';
  switch (status) {
    case 400:
      return 'bad_input';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'error' : 'rejected';
  }
}

const KNOWN_ROUTES = new Set(['/v1/predict', '/v1/feedback', '/v1/graph', '/v1/comparisons', '/metrics', '/healthz', '/readyz']);

/** Listen first (so /healthz answers while models load), then open the sessions. */
export async function startServe(loaded: LoadedPlan, opts: StartServeOptions): Promise<RunningServe> {
  const metrics = new ServeMetrics(basename(loaded.plan.source.file));
  const service = new ServeService(loaded, opts, metrics);
  const routes: Route[] = [
    { method: 'POST', path: '/v1/predict', handler: (req) => service.predict(req.body, req.header('x-request-id')) },
    { method: 'POST', path: '/v1/feedback', handler: (req) => service.feedback(req.body) },
    { method: 'GET', path: '/v1/graph', handler: () => ({ status: 200, body: graphSummary(service, opts) }) },
    {
      method: 'GET',
      path: '/v1/comparisons',
      handler: async () =>
        service.comparing
          ? { status: 200, body: renderJson(await service.cumulative()), contentType: 'application/json; charset=utf-8' }
          : { status: 404, body: { error: 'not-found', detail: 'no treatment runs (no compare block, or --mode control)' } },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async () => ({ status: 200, body: await metrics.registry.metrics(), contentType: metrics.registry.contentType }),
    },
    { method: 'GET', path: '/healthz', handler: () => ({ status: 200, body: { status: 'ok' } }) },
    {
      method: 'GET',
      path: '/readyz',
      handler: () => (service.ready ? { status: 200, body: { status: 'ready' } } : { status: 503, body: { status: 'loading' } }),
    },
  ];
  const http: HttpServer = await startHttpServer(opts.host, opts.port, {
    bodyLimit: opts.bodyLimit,
    routes,
    // Per route, its latency series and its counter per status, looked up once: counts are plain numbers until
    // scraped (serve-metrics.ts).
    onResponse: (path) => {
      const route = KNOWN_ROUTES.has(path) ? path : 'unknown';
      const seconds = metrics.requestSeconds.child(route, { route });
      const byStatus = new Map<number, { n: number }>();
      return (status, s) => {
        let count = byStatus.get(status);
        if (count === undefined) {
          count = metrics.requestCount(route, resultWord(status));
          byStatus.set(status, count);
        }
        count.n++;
        seconds.observe(s);
      };
    },
    onError: (err) => opts.log(`internal error: ${(err as Error).stack ?? String(err)}`),
    onBadJson: (route) => {
      if (route === '/v1/predict') service.badJson();
    },
  });
  const ready = service.start();
  ready.catch(() => {});
  let closing: Promise<void> | null = null;
  return {
    port: http.port,
    service,
    metrics,
    ready,
    halt: () => service.halt(),
    shutdown() {
      closing ??= (async () => {
        const deadline = performance.now() + opts.drainTimeoutMs;
        const writeDeadline = deadline + opts.writeTimeoutMs;
        const drained = (async () => {
          await beforeDeadline(http.close(), deadline, () => {
            opts.log(`drain: ${http.connections()} connection(s) still open after --drain-timeout: closed, their requests unanswered`);
            http.closeConnections();
          });
          await ready.catch(() => {});
          if (service.ready) await service.drain(deadline, writeDeadline);
        })();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          if (Number.isFinite(writeDeadline)) timer = setTimeout(() => resolve('late'), Math.max(0, writeDeadline - performance.now()));
        });
        let outcome: void | 'late';
        try {
          outcome = await Promise.race([drained, late]);
        } catch (err) {
          await service.close();
          throw err;
        } finally {
          clearTimeout(timer);
        }
        if (outcome === 'late') {
          drained.catch(() => {});
          throw lateError(service, opts);
        }
        await service.close();
      })();
      return closing;
    },
  };
}

/**
 * The error of a stop whose last records were not written by `--drain-timeout` + `--write-timeout`: a sink that does
 * not answer (a server that stopped answering, a lock another connection holds), or judging that did not end. The
 * service writes nothing more (a write in progress is in a transaction its process's exit rolls back); its threads
 * and sinks are left as they are (a call to a hung server would not return): the caller exits the process.
 */
function lateError(service: ServeService, opts: StartServeOptions): M4Error {
  void service.halt().catch(() => {});
  const within = `within --drain-timeout + --write-timeout (${seconds(opts.drainTimeoutMs)} + ${seconds(opts.writeTimeoutMs)})`;
  const what = `not written: ${service.unwritten() ?? 'nothing'}`;
  // The sink the writer's thread was writing to when the time ran out.
  const sink = service.writing;
  if (sink !== null) return new SinkError(sink, `no answer ${within}; ${what}`);
  return new M4Error(`the last records were not ready ${within} (the comparisons were still being judged); ${what}`, EXIT.runtime);
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** `GET /v1/graph`: what the server runs. */
function graphSummary(service: ServeService, opts: StartServeOptions): object {
  const plan = service.plan;
  return {
    source: plan.source.file,
    plan_hash: plan.plan_hash,
    serve_run: service.runId,
    mode: opts.mode,
    percent: opts.mode === 'canary' ? opts.percent : null,
    sticky_by: opts.stickyBy ?? null,
    inputs: plan.inputs.map((i) => ({
      name: i.name,
      type: formatType(i.type),
      optional: i.optional,
      fields: i.source.kind === 'field' ? [i.source.path.join('.')] : i.source.paths.map((p) => p.join('.')),
    })),
    outputs: plan.outputs.map((o) => ({ name: o.name, type: formatType(o.type) })),
    models: plan.models.map((m) => ({ name: m.name, path: m.source_path, sha256: m.sha256 })),
    comparisons: plan.comparisons.map((c) => ({
      name: c.name,
      control: c.control.node,
      treatment: c.treatment.node,
      label: c.label?.node ?? null,
      task: c.task,
      metrics: c.metrics,
      gates: c.gates.map((g) => g.text),
    })),
  };
}
