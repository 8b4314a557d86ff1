/**
 * The dashboard's JSON API: routes a GET request to a {@link ResultsDb} query and validates every
 * query parameter before it gets near SQL. Pure request → response, no I/O of its own, so the
 * tests and the bench can call it without a socket.
 *
 * Routes (all GET):
 *   /api/status                          runs count and newest run (polled by the UI)
 *   /api/runs?q&graph&comparison&verdict&metrics&sort&order&limit&offset   a page of runs
 *   /api/runs/latest, /api/runs/:id      a run's metrics, gates, charts and slices
 *   /api/comparisons                     (graph, comparison) pairs with their metrics
 *   /api/trend?graph&comparison&metric[&limit]                a metric across runs
 */
import {
  DASHBOARD_API_VERSION,
  MAX_METRIC_COLUMNS,
  RUN_SORT_KEYS,
  type ApiError,
  type DashboardStatus,
  type RunsQuery,
  type RunSortKey,
  type Verdict,
} from './api-types.ts';
import { DEFAULT_TREND_LIMIT, MAX_RUNS_LIMIT, ResultsDbError, type ResultsDb } from './results-db.ts';

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** A bad query parameter: answered with 400 and this message. */
class BadRequest extends Error {}

const MAX_TEXT = 500;
const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'none'];

function text(params: URLSearchParams, name: string, required: true): string;
function text(params: URLSearchParams, name: string, required?: false): string | undefined;
function text(params: URLSearchParams, name: string, required = false): string | undefined {
  const v = params.get(name);
  if (v === null || v === '') {
    if (required) throw new BadRequest(`missing query parameter \`${name}\``);
    return undefined;
  }
  if (v.length > MAX_TEXT) throw new BadRequest(`query parameter \`${name}\` is longer than ${MAX_TEXT} characters`);
  return v;
}

function integer(params: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new BadRequest(`query parameter \`${name}\` must be an integer in [${min}, ${max}]`);
  return n;
}

function oneOf<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const v = text(params, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new BadRequest(`query parameter \`${name}\` must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** `sort`: a fixed key, or `metric:NAME` (a metric's Δ or value). */
function sortKey(params: URLSearchParams): RunSortKey | undefined {
  const v = text(params, 'sort');
  if (v === undefined) return undefined;
  if (v.startsWith('metric:') && v.length > 'metric:'.length) return v as RunSortKey;
  if (!(RUN_SORT_KEYS as readonly string[]).includes(v))
    throw new BadRequest(`query parameter \`sort\` must be one of ${RUN_SORT_KEYS.join(', ')} or metric:NAME`);
  return v as RunSortKey;
}

/** `metrics`: comma-separated metric names, at most MAX_METRIC_COLUMNS. */
function metricList(params: URLSearchParams): string[] | undefined {
  const v = text(params, 'metrics');
  if (v === undefined) return undefined;
  const names = [
    ...new Set(
      v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    ),
  ];
  if (names.length > MAX_METRIC_COLUMNS) throw new BadRequest(`query parameter \`metrics\` names at most ${MAX_METRIC_COLUMNS} metrics`);
  return names;
}

/** Parse and validate the runs-list query. Throws BadRequest. */
export function parseRunsQuery(params: URLSearchParams): RunsQuery {
  return {
    q: text(params, 'q'),
    graph: text(params, 'graph'),
    comparison: text(params, 'comparison'),
    verdict: oneOf(params, 'verdict', VERDICTS),
    metrics: metricList(params),
    sort: sortKey(params),
    order: oneOf(params, 'order', ['asc', 'desc'] as const),
    limit: integer(params, 'limit', 1, MAX_RUNS_LIMIT),
    offset: integer(params, 'offset', 0, Number.MAX_SAFE_INTEGER),
  };
}

function error(status: number, message: string): ApiResponse {
  return { status, body: { error: message } satisfies ApiError };
}

/**
 * Answer one API request. `method` other than GET/HEAD gets 405 (the dashboard never writes);
 * unknown paths 404; invalid parameters 400. Never throws on a bad request.
 */
export async function handleApi(db: ResultsDb, method: string, url: URL, databaseLabel: string): Promise<ApiResponse> {
  if (method !== 'GET' && method !== 'HEAD') return error(405, `method ${method} not allowed: the dashboard is read-only`);
  const path = url.pathname.replace(/\/+$/, '');
  const params = url.searchParams;
  try {
    if (path === '/api/status') {
      return { status: 200, body: { api_version: DASHBOARD_API_VERSION, database: databaseLabel, ...(await db.status()) } satisfies DashboardStatus };
    }
    if (path === '/api/runs') return { status: 200, body: await db.listRuns(parseRunsQuery(params)) };
    if (path.startsWith('/api/runs/')) {
      let id = decodeURIComponent(path.slice('/api/runs/'.length));
      if (id === 'latest') {
        const latest = await db.latestRunId();
        if (latest === null) return error(404, 'the database has no runs yet');
        id = latest;
      }
      if (id === '' || id.includes('/') || id.length > MAX_TEXT) return error(404, 'no such run');
      const run = await db.getRun(id);
      return run === null ? error(404, `no run with id ${id}`) : { status: 200, body: run };
    }
    if (path === '/api/comparisons') return { status: 200, body: await db.comparisons() };
    if (path === '/api/trend') {
      const trend = await db.trend(
        text(params, 'graph', true),
        text(params, 'comparison', true),
        text(params, 'metric', true),
        integer(params, 'limit', 1, 100_000) ?? DEFAULT_TREND_LIMIT,
      );
      return trend === null ? error(404, 'no runs of this comparison have this metric') : { status: 200, body: trend };
    }
    return error(404, `no API route ${path}`);
  } catch (err) {
    if (err instanceof BadRequest) return error(400, err.message);
    if (err instanceof URIError) return error(400, 'malformed percent-encoding in the URL');
    if (err instanceof ResultsDbError) return error(500, err.message);
    throw err;
  }
}
