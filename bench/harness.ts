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

/**
 * For tasks of hundreds of milliseconds or more: one untimed round, then `rounds` rounds running every task
 * once in turn (interleaved, so drifts of the machine hit all tasks alike); median milliseconds per task.
 */
export function interleavedMedians(tasks: ReadonlyArray<readonly [string, () => void]>, rounds: number): Map<string, number> {
  const times = tasks.map(() => [] as number[]);
  for (let r = -1; r < rounds; r++) {
    tasks.forEach(([, fn], i) => {
      const t0 = performance.now();
      fn();
      if (r >= 0) times[i]!.push(performance.now() - t0);
    });
  }
  const result = new Map<string, number>();
  tasks.forEach(([name], i) => result.set(name, [...times[i]!].sort((a, b) => a - b)[times[i]!.length >> 1]!));
  return result;
}

/**
 * Two implementations of the same operations, measured alternately so that the machine's slow and fast phases hit
 * both alike (these VMs drift by ±30% over minutes): per operation, a warm-up (20 calls or 0.3 s each, see
 * `medians`), then `rounds` rounds of [A for a time slice, B for a time slice]. Returns per-call median ms.
 */
export function pairedMedians(
  ops: ReadonlyArray<readonly [string, () => void, () => void]>, options: BenchOptions,
): { a: Map<string, number>; b: Map<string, number> } {
  const rounds = options.quick ? 3 : 7;
  const slice = options.quick ? 100 : 250;
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  const runFor = (fn: () => void, ms: number, minCalls: number, into?: number[]): void => {
    const start = performance.now();
    for (let calls = 0; calls < minCalls || performance.now() - start < ms; calls++) {
      const t0 = performance.now();
      fn();
      into?.push(performance.now() - t0);
      if (into === undefined && calls >= 20) break;
    }
  };
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  for (const [name, fa, fb] of ops) {
    runFor(fa, 300, 2);
    runFor(fb, 300, 2);
    const ta: number[] = [];
    const tb: number[] = [];
    for (let r = 0; r < rounds; r++) {
      runFor(fa, slice, 1, ta);
      runFor(fb, slice, 1, tb);
    }
    a.set(name, median(ta));
    b.set(name, median(tb));
  }
  return { a, b };
}
