/**
 * The worker entry of `ThreadPool` (a Node `worker_threads` worker or a module Web Worker). Loading it loads the
 * ring layer, whose kernel modules warm their kernels up (docs/ring.md); then it answers 'ready' and serves
 * messages: 'context' (rebuild an attached context from its parameters), 'forget' (drop it), 'run' (take part in a
 * job, `scheduler.ts`) and 'collect' (collect garbage where a collector is exposed, `ThreadPool.collectGarbage`).
 * Run from the compiled output (dist/ckks/parallel/worker.js, or build/src/… for the benchmarks); see
 * docs/threads.md for tests run from TypeScript sources.
 */
import { CkksContext } from '../scheme/context.js';
import { Executor } from './executor.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { blockingWait, collectHere, runPhases } from './scheduler.js';

const executors = new Map<number, Executor>();

function handle(message: ToWorker, reply: (m: FromWorker) => void): void {
  try {
    if (message.type === 'context') {
      executors.set(message.id, new Executor(new CkksContext(message.literal)));
      return;
    }
    if (message.type === 'forget') {
      executors.delete(message.id);
      return;
    }
    if (message.type === 'collect') {
      collectHere();
      const control = new Int32Array(message.control);
      Atomics.add(control, 0, 1);
      Atomics.notify(control, 0);
      return;
    }
    const executor = executors.get(message.context);
    // without the context this worker claims nothing; the calling thread does the units
    if (executor === undefined) return;
    runPhases(executor, message.phases, message.buffers, new Int32Array(message.control), blockingWait, true);
  } catch (error) {
    reply({ type: 'failed', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}

interface BrowserScope {
  WorkerGlobalScope?: unknown;
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}
interface NodePort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

const scope = globalThis as unknown as BrowserScope;
if (scope.WorkerGlobalScope !== undefined) {
  const reply = (m: FromWorker): void => scope.postMessage(m);
  scope.addEventListener('message', (event) => handle(event.data as ToWorker, reply));
  reply({ type: 'ready' });
} else {
  const specifier = ['node', 'worker_threads'].join(':');
  const { parentPort } = (await import(specifier)) as { parentPort: NodePort | null };
  if (parentPort === null) throw new Error('cryptoface worker: not started as a worker thread');
  const reply = (m: FromWorker): void => parentPort.postMessage(m);
  parentPort.on('message', (m) => handle(m as ToWorker, reply));
  reply({ type: 'ready' });
}
