/**
 * Messages between the executor (main thread) and a model worker. Tensors travel as m4
 * {@link Tensor} objects; their typed arrays are transferred, never shared (the ORT binding rejects
 * SharedArrayBuffer-backed tensors).
 */
import type { Tensor } from '../stdlib/types.ts';
import type { SessionSettings } from './onnx-session.ts';

/** `workerData` of a model worker: the sessions it owns. */
export interface WorkerInit {
  sessions: { key: number; path: string }[];
  settings: SessionSettings;
}

export interface RunRequest {
  type: 'run';
  id: number;
  key: number;
  feeds: Record<string, Tensor>;
  fetches: string[];
}

export interface CloseRequest {
  type: 'close';
}

export type ToWorker = RunRequest | CloseRequest;

export type FromWorker =
  | { type: 'ready'; sessions: { key: number; inputNames: string[]; outputNames: string[] }[] }
  | { type: 'init-failed'; key: number; message: string }
  /**
   * `start`/`end`: epoch milliseconds (timeOrigin + now), comparable across threads. `feeds`: the request's
   * feed arrays, handed back (transferred) once ORT is done with them, so the host can copy the next batch
   * into them (runtime/feed-pool.ts); never one an output shares a buffer with.
   */
  | { type: 'done'; id: number; outputs: Record<string, Tensor>; start: number; end: number; feeds: ArrayBufferView[] }
  | { type: 'failed'; id: number; message: string; start: number; end: number; feeds: ArrayBufferView[] }
  | { type: 'closed' };

/**
 * The transferable buffers of a tensor's data. A typed array that is a view into a larger buffer
 * would drag the whole buffer along (or lose it to detachment), so only whole-buffer views are
 * transferred; callers copy the rest first.
 */
export function transferables(t: Tensor, out: ArrayBuffer[]): void {
  const d = t.data;
  if (!Array.isArray(d) && isWholeBuffer(d) && !out.includes(d.buffer as ArrayBuffer)) out.push(d.buffer as ArrayBuffer);
}

/** A view covering all of a plain (not shared) ArrayBuffer: safe and cheap to transfer. */
export function isWholeBuffer(d: ArrayBufferView): boolean {
  return d.buffer instanceof ArrayBuffer && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength;
}

/**
 * The feeds' typed arrays that can go back to the host once a run is over, their buffers added to
 * `transfer`: whole plain buffers not already in `transfer` (so none an output shares).
 */
export function returnedFeeds(feeds: Record<string, Tensor>, transfer: ArrayBuffer[]): ArrayBufferView[] {
  const back: ArrayBufferView[] = [];
  for (const name in feeds) {
    const d = feeds[name]!.data;
    if (Array.isArray(d) || !isWholeBuffer(d) || d.byteLength === 0 || transfer.includes(d.buffer as ArrayBuffer)) continue;
    transfer.push(d.buffer as ArrayBuffer);
    back.push(d);
  }
  return back;
}
