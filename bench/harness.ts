/**
 * Small shared helpers for the benchmarks: flags, tinybench runs and median extraction.
 * Medians only: these machines are noisy, compare two things measured in one run.
 */
import { Bench } from 'tinybench';

export interface BenchOptions {
  quick: boolean;
}

export function parseFlags(argv: readonly string[]): BenchOptions {
  return { quick: argv.includes('--quick') };
}

/** Runs each task and returns its median latency in milliseconds. */
export async function medians(
  tasks: ReadonlyArray<readonly [string, () => void]>, options: BenchOptions,
): Promise<Map<string, number>> {
  // Generous warm-up: TurboFan first compiles long kernel loops on-stack (OSR), and only the later full
  // optimisation gets the 64-bit BigInt lowering; timing before that measures the slow code.
  const bench = new Bench({
    time: options.quick ? 300 : 1500,
    warmupTime: options.quick ? 300 : 800,
    warmupIterations: 20,
    iterations: 5,
  });
  for (const [name, fn] of tasks) bench.add(name, fn);
  await bench.run();
  const result = new Map<string, number>();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`benchmark ${task.name} did not complete: ${r.state}`);
    result.set(task.name, r.latency.p50 ?? r.period);
  }
  return result;
}

export function get(map: Map<string, number>, key: string): number {
  const v = map.get(key);
  if (v === undefined) throw new Error(`no benchmark result for ${key}`);
  return v;
}

/** Calls `fn` at least once and until `ms` have passed (at most 21 calls when warming up, i.e. without `into`). */
function runFor(fn: () => void, ms: number, into?: number[]): void {
  const start = performance.now();
  for (let calls = 0; calls < 1 || performance.now() - start < ms; calls++) {
    const t0 = performance.now();
    fn();
    into?.push(performance.now() - t0);
    if (into === undefined && calls >= 20) break;
  }
}

/**
 * Tasks measured in turn so that drifts of the machine (±30% over minutes on these VMs) hit all of them alike:
 * a warm-up (20 calls or 0.3 s each, at least one call), then `rounds` rounds running every task for `sliceMs`
 * (at least one call; 0 for tasks of hundreds of milliseconds or more). Median milliseconds per call and task.
 */
export function interleavedMedians(tasks: ReadonlyArray<readonly [string, () => void]>, rounds: number, sliceMs = 0): Map<string, number> {
  for (const [, fn] of tasks) runFor(fn, 300);
  const times = tasks.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) tasks.forEach(([, fn], i) => runFor(fn, sliceMs, times[i]));
  const result = new Map<string, number>();
  tasks.forEach(([name], i) => result.set(name, [...times[i]!].sort((a, b) => a - b)[times[i]!.length >> 1]!));
  return result;
}

/**
 * Two implementations of the same operations (A = ours, B = the peer), alternated within every operation by
 * `interleavedMedians` (3 rounds of 100 ms slices with --quick, else 7 of 250 ms). Returns per-call median ms.
 */
export function pairedMedians(
  ops: ReadonlyArray<readonly [string, () => void, () => void]>, options: BenchOptions,
): { a: Map<string, number>; b: Map<string, number> } {
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  for (const [name, fa, fb] of ops) {
    const m = interleavedMedians([['a', fa], ['b', fb]], options.quick ? 3 : 7, options.quick ? 100 : 250);
    a.set(name, get(m, 'a'));
    b.set(name, get(m, 'b'));
  }
  return { a, b };
}
