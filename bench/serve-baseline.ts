/**
 * The baseline of bench/serve.ts: the control's work of examples/fraud/ab.m4 written by hand as well as it can
 * be — fastify + onnxruntime-node, its own micro-batching (rows arriving in the same turn of the event loop, or
 * while a batch runs, go out together, up to 64), clip to [-6, 6], v1's probability of class 1.
 *
 *   node --import tsx bench/serve-baseline.ts PORT      (prints "listening PORT" when ready)
 */
import { join } from 'node:path';
import Fastify from 'fastify';
import ort from 'onnxruntime-node';

const MODEL = join(import.meta.dirname, '../examples/fraud/models/fraud-v1.onnx');
const MAX_BATCH = 64;
const session = await ort.InferenceSession.create(MODEL, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });

interface Waiting {
  x: Float32Array;
  resolve(score: number): void;
  reject(err: unknown): void;
}
let queue: Waiting[] = [];
let running = false;
let scheduled = false;

function schedule(): void {
  if (scheduled || running || queue.length === 0) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    void flush();
  });
}

async function flush(): Promise<void> {
  if (running || queue.length === 0) return;
  running = true;
  const batch = queue.slice(0, MAX_BATCH);
  queue = queue.slice(batch.length);
  const x = new Float32Array(batch.length * 30);
  batch.forEach((w, i) => x.set(w.x, i * 30));
  try {
    const out = await session.run({ x: new ort.Tensor('float32', x, [batch.length, 30]) }, ['probabilities']);
    const p = out.probabilities!.data as Float32Array;
    batch.forEach((w, i) => w.resolve(p[i * 2 + 1]!));
  } catch (err) {
    for (const w of batch) w.reject(err);
  } finally {
    running = false;
    schedule();
  }
}

const app = Fastify({ logger: false });
app.post('/v1/predict', async (req, reply) => {
  const tx = (req.body as { inputs?: { tx?: unknown } } | null)?.inputs?.tx;
  if (!Array.isArray(tx) || tx.length !== 30 || !tx.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return reply.code(400).send({ error: 'bad-input' });
  }
  const x = new Float32Array(30);
  for (let i = 0; i < 30; i++) x[i] = Math.min(6, Math.max(-6, tx[i] as number));
  const score = await new Promise<number>((resolve, reject) => {
    queue.push({ x, resolve, reject });
    schedule();
  });
  return { outputs: { score } };
});
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
