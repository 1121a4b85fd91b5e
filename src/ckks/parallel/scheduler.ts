/**
 * The loop every participating thread runs over a job (`protocol.ts`): claim units of the current phase with an
 * atomic counter until none is left, then wait until all of them are finished (units claimed by other threads
 * included), then go on to the next phase. A unit that throws sets the error flag (first message kept) and still
 * counts as finished, so no thread ever waits for it; threads stop at the end of a phase whose flag is set.
 */
import { ERROR_BYTES, ERROR_FLAG, WORKER_UNITS, controlBytes, doneIndex, nextIndex, type Unit } from './protocol.js';
import type { Executor } from './executor.js';

/** Blocks until control[index] ≠ value (or returns early; callers re-check). */
export type WaitFunction = (control: Int32Array, index: number, value: number) => void;

/** Atomics.wait: allowed in workers and in Node's main thread. */
export const blockingWait: WaitFunction = (control, index, value) => {
  Atomics.wait(control, index, value, 100);
};

/** A browser's main thread may not block: spin on the counter (the job is synchronous there anyway). */
export const spinningWait: WaitFunction = (control, index, value) => {
  for (let i = 0; i < 1000 && Atomics.load(control, index) === value; i++) { /* spin */ }
};

/** True when this thread may call Atomics.wait (false on a browser's main thread). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs this thread's garbage collector where the host exposes one (`globalThis.gc`: Node with --expose-gc, or
 * src/cli/gc.ts; never in browsers) and says whether it did (`ThreadPool.collectGarbage`, the worker's 'collect').
 */
export function collectHere(): boolean {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') return false;
  (gc as () => void)();
  return true;
}

export function newControl(phases: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(controlBytes(phases)));
}

function recordError(control: Int32Array, phases: number, error: unknown): void {
  if (Atomics.compareExchange(control, ERROR_FLAG, 0, 1) !== 0) return;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const bytes = new TextEncoder().encode(text).subarray(0, ERROR_BYTES);
  new Uint8Array(control.buffer, controlBytes(phases) - ERROR_BYTES, ERROR_BYTES).set(bytes);
}

/** The error text a failed job recorded, or undefined. */
export function jobError(control: Int32Array, phases: number): string | undefined {
  if (Atomics.load(control, ERROR_FLAG) === 0) return undefined;
  const bytes = new Uint8Array(control.buffer, controlBytes(phases) - ERROR_BYTES, ERROR_BYTES).slice();
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** Runs this thread's share of a job; returns when every phase is finished (or one failed). Workers count their units. */
export function runPhases(
  executor: Executor, phases: readonly (readonly Unit[])[], buffers: readonly SharedArrayBuffer[], control: Int32Array, wait: WaitFunction, isWorker: boolean,
): void {
  executor.setBuffers(buffers);
  try {
    for (let p = 0; p < phases.length; p++) {
      const units = phases[p]!;
      const count = units.length;
      const next = nextIndex(p);
      const done = doneIndex(p);
      for (let u = Atomics.add(control, next, 1); u < count; u = Atomics.add(control, next, 1)) {
        try {
          executor.run(units[u]!);
        } catch (error) {
          recordError(control, phases.length, error);
        }
        if (isWorker) Atomics.add(control, WORKER_UNITS, 1);
        if (Atomics.add(control, done, 1) + 1 === count) Atomics.notify(control, done);
      }
      for (let d = Atomics.load(control, done); d < count; d = Atomics.load(control, done)) wait(control, done, d);
      if (Atomics.load(control, ERROR_FLAG) !== 0) return;
    }
  } finally {
    executor.setBuffers([]);
  }
}
