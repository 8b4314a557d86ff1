/**
 * The UI's only way to the server: GET requests to the JSON API (see dashboard/api.ts).
 */
import type { ApiError } from '../api-types.ts';

/** A request the API answered with an error status; `message` is the server's one line. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** GET `/api/<path>` and parse the JSON answer; throws {@link ApiFailure} on an error status. */
export async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const q = qs.toString();
  const res = await fetch(`/api/${path}${q === '' ? '' : `?${q}`}`, { headers: { Accept: 'application/json' } });
  const body = (await res.json()) as T | ApiError;
  if (!res.ok) throw new ApiFailure((body as ApiError).error ?? `HTTP ${res.status}`, res.status);
  return body as T;
}
