/**
 * Where model calls run: the engine choice (main thread or worker threads) and which worker owns
 * which ONNX session. The figures behind the rules are in docs/runtime.md (bench/executor-engines.ts).
 */
import { availableParallelism } from 'node:os';
import type { Program } from './plan-graph.ts';
import { hasConcurrentModels } from './plan-graph.ts';

/** `main`: every session on the main thread. `workers`: every session in a worker thread. */
export type Engine = 'main' | 'workers';
export type EngineChoice = Engine | 'auto';

export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'workers', 'main'];

/**
 * Smallest batch at which `auto` moves models to workers. Below it a worker round trip (~40–60 µs
 * measured: copy, postMessage, wake-up, reply) costs more than running the second model after the
 * first; and on a shared machine the second core is not always free (bench/executor-engines.ts).
 */
export const AUTO_WORKERS_MIN_BATCH = 256;

export interface EngineDecision {
  engine: Engine;
  /** Why, in words, for `--verbose` output and docs. */
  reason: string;
}

/**
 * `auto` picks workers when two model calls can run at the same time (control and treatment) and
 * batches are large enough for a worker round trip to be noise; otherwise the main thread, where a
 * model call has no messaging overhead.
 */
export function chooseEngine(choice: EngineChoice, program: Program, batchSize: number | undefined): EngineDecision {
  const models = program.steps.filter((s) => s.kind === 'model').length;
  if (models === 0) return { engine: 'main', reason: 'the graph runs no model' };
  if (choice !== 'auto') return { engine: choice, reason: `--engine ${choice}` };
  if (!hasConcurrentModels(program)) return { engine: 'main', reason: 'no two model calls can run concurrently' };
  if (batchSize === undefined || batchSize < AUTO_WORKERS_MIN_BATCH) {
    return {
      engine: 'main',
      reason: `batch size ${batchSize ?? 'unknown'} < ${AUTO_WORKERS_MIN_BATCH}: a worker round trip would cost more than it saves`,
    };
  }
  return { engine: 'workers', reason: `concurrent model calls at batch size ${batchSize}` };
}

/** One ORT session: a model file, shared by every plan model (and node) that names the same file. */
export interface SessionSpec {
  key: number;
  path: string;
  /** Plan model names using this file. */
  models: string[];
}

/** One session per distinct model file among the models the program calls, in order of first call. */
export function planSessions(
  program: Program,
  modelPaths: ReadonlyMap<string, string>,
): { sessions: SessionSpec[]; keyOfModel: Map<string, number> } {
  const sessions: SessionSpec[] = [];
  const keyOfPath = new Map<string, number>();
  const keyOfModel = new Map<string, number>();
  for (const step of program.steps) {
    if (step.kind !== 'model' || keyOfModel.has(step.model)) continue;
    const path = modelPaths.get(step.model)!;
    let key = keyOfPath.get(path);
    if (key === undefined) {
      key = sessions.length;
      keyOfPath.set(path, key);
      sessions.push({ key, path, models: [] });
    }
    sessions[key].models.push(step.model);
    keyOfModel.set(step.model, key);
  }
  return { sessions, keyOfModel };
}

/**
 * Spread sessions over `min(sessions, maxWorkers)` workers, round-robin in order of first call, so
 * the first two sessions (typically control and treatment) land on different threads.
 */
export function placeSessions(sessions: readonly SessionSpec[], maxWorkers = availableParallelism()): SessionSpec[][] {
  const count = Math.max(1, Math.min(sessions.length, maxWorkers));
  const workers: SessionSpec[][] = Array.from({ length: count }, () => []);
  sessions.forEach((s, i) => workers[i % count].push(s));
  return workers;
}
