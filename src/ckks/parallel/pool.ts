/**
 * `ThreadPool`: opt-in multi-threading for the CKKS library (docs/threads.md).
 *
 *   const pool = await ThreadPool.create({ threads: 2 });      // the calling thread + 1 worker
 *   const ctx = new CkksContext(PN14QP400, { pool });          // everything built on ctx may split its work
 *   …                                                          // same API, bit-identical results
 *   pool.dispose();                                            // or `using pool = …` where Symbol.dispose exists
 *
 * Workers are Node `worker_threads` or Web Workers running `worker.js` (next to this module); polynomials of an
 * attached context live in `SharedArrayBuffer`s, so a job sends only buffer handles and small unit descriptions
 * (`protocol.ts`). The calling thread takes part in every job and never waits for a worker that has not claimed
 * work, so a slow or busy worker costs speed, never correctness. Jobs below `minParallelWork` stay on the calling
 * thread. Where threads cannot work (no SharedArrayBuffer, a page that is not cross-origin isolated), `create`
 * falls back to one thread and says why (`fallbackReason`, and once through `onFallback`, default console.warn).
 */
import { acceleratorOf, isShared, setAccelerator, type RingAccelerator } from '../ring/accelerator.js';
import type { RnsBasis } from '../ring/rnsBasis.js';
import { RnsPoly } from '../ring/rnsPoly.js';
import type { CkksContext } from '../scheme/context.js';
import { Executor } from './executor.js';
import { SharedBufferRecycler } from './recycler.js';
import type { ContextMessage, FromWorker, PolyRef, RunMessage, ToWorker, Unit } from './protocol.js';
import { WORKER_UNITS } from './protocol.js';
import { blockingWait, canBlock, collectHere, jobError, newControl, runPhases, spinningWait, type WaitFunction } from './scheduler.js';

/**
 * Default cut-off, in residue-transforms (N × the number of limb-sized NTT passes a job does): jobs below it run on
 * the calling thread. Measured (docs/threads.md): at 2^16 a split NTT of 4 limbs at N = 2^14 ran at parity.
 */
export const DEFAULT_MIN_PARALLEL_WORK = 1 << 16;

/**
 * Default for `ThreadPoolOptions.collectEveryBytes`: a worker keeps every shared buffer it was sent reachable until its
 * own collector runs, which a worker's small heap seldom triggers (measured at N = 2^16: 2.7 GB of dropped
 * polynomials still resident); asking every GiB bounds that at a cost of a millisecond or so per request.
 */
export const DEFAULT_COLLECT_EVERY_BYTES = 2 ** 30;

/** Default for `ThreadPoolOptions.recycleBytes`: shared memory of released temporaries kept for reuse (recycler.ts). */
export const DEFAULT_RECYCLE_BYTES = 2 ** 28;

export interface ThreadPoolOptions {
  /** Threads in all, the calling one included (default 1: no workers). */
  threads?: number;
  /** The worker script (default: `worker.js` next to this module; see docs/threads.md for bundlers and tests). */
  workerUrl?: string | URL;
  /** Jobs doing less work than this (residue-transforms) run on the calling thread (default DEFAULT_MIN_PARALLEL_WORK). */
  minParallelWork?: number;
  /**
   * After this many bytes of shared memory allocated, the workers are asked (without waiting) to collect garbage,
   * where a collector is exposed (see `collectGarbage`); default DEFAULT_COLLECT_EVERY_BYTES, 0 never.
   */
  collectEveryBytes?: number;
  /**
   * Bytes of released temporaries (key-switching digits and accumulators) kept to serve later allocations of the same
   * size instead of fresh shared memory (`SharedBufferRecycler`); default DEFAULT_RECYCLE_BYTES, 0 never.
   */
  recycleBytes?: number;
  /** Called once with the reason when threads are unavailable and the pool falls back to one thread (default console.warn). */
  onFallback?: (reason: string) => void;
  /** Milliseconds to wait for the workers to start (default 60 000). */
  startTimeoutMs?: number;
}

interface WorkerHandle {
  post(message: ToWorker): void;
  terminate(): void;
}

interface ContextEntry {
  readonly id: number;
  readonly executor: Executor;
  readonly ringDegree: number;
  /** Index of each prime in Q ∪ P. */
  readonly primeIndex: ReadonlyMap<bigint, number>;
  readonly basis: WeakRef<RnsBasis>;
}

/**
 * Why threads cannot run here, or undefined when they can. `scope` defaults to globalThis (tests pass fakes).
 */
export function threadSupport(scope: Record<string, unknown> = globalThis as unknown as Record<string, unknown>): string | undefined {
  const headers = 'serve the page with the headers `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp` (docs/threads.md)';
  if (typeof scope['SharedArrayBuffer'] !== 'function' || typeof scope['Atomics'] !== 'object') {
    return `SharedArrayBuffer is not available, so the library runs on one thread. In a browser, ${headers}.`;
  }
  if (scope['crossOriginIsolated'] === false) {
    return `this page is not cross-origin isolated, so SharedArrayBuffer cannot be shared with workers and the library runs on one thread: ${headers}.`;
  }
  const isNode = typeof scope['process'] === 'object' && scope['process'] !== null
    && typeof (scope['process'] as { versions?: { node?: unknown } }).versions?.node === 'string';
  if (!isNode && typeof scope['Worker'] !== 'function') return 'this environment has no Worker, so the library runs on one thread.';
  return undefined;
}

let nextContextId = 1;

export class ThreadPool {
  /** Threads in use, the calling one included (1 after a fallback or with threads: 1). */
  readonly threads: number;
  /** Why the pool runs on one thread although more were asked for, if it does. */
  readonly fallbackReason: string | undefined;
  /** Jobs below this much work (residue-transforms) run on the calling thread. */
  minParallelWork: number;
  /** Shared bytes allocated between two requests to the workers to collect garbage (0: never). */
  collectEveryBytes: number;
  private sharedSinceCollect = 0;
  private readonly workers: WorkerHandle[];
  private readonly contexts = new WeakMap<object, ContextEntry>();
  /** The attached contexts' bases (weakly: a context the program drops is forgotten by the workers too). */
  private readonly attached = new Set<WeakRef<RnsBasis>>();
  private readonly finalizer = new FinalizationRegistry<{ id: number; basis: WeakRef<RnsBasis> }>(({ id, basis }) => {
    this.attached.delete(basis);
    if (!this.isDisposed) for (const w of this.workers) w.post({ type: 'forget', id });
  });
  private readonly wait: WaitFunction;
  private isDisposed = false;
  /** True while a job runs: work inside a unit is never split again (the calling thread is one of the job's threads). */
  private running = false;
  /**
   * Jobs run split, their units, how many of those the workers ran, and the calling thread's milliseconds inside jobs
   * (for tests and benchmarks: an operation's time outside jobs is what no number of threads shortens); and how many
   * times the workers were asked to collect garbage (`collectGarbage`, `collectEveryBytes`).
   */
  readonly counters = { jobs: 0, units: 0, workerUnits: 0, jobMs: 0, collectRequests: 0 };
  /** Released temporaries kept for reuse (its counters say how many allocations they served). */
  readonly recycler: SharedBufferRecycler;

  private constructor(workers: WorkerHandle[], minParallelWork: number, fallbackReason: string | undefined, collectEveryBytes: number, recycleBytes: number) {
    this.workers = workers;
    this.recycler = new SharedBufferRecycler(recycleBytes);
    this.collectEveryBytes = collectEveryBytes;
    this.threads = workers.length + 1;
    this.minParallelWork = minParallelWork;
    this.fallbackReason = fallbackReason;
    this.wait = workers.length > 0 && !canBlock() ? spinningWait : blockingWait;
  }

  /** Starts `threads − 1` workers and resolves when they are ready (rejects if a worker cannot start). */
  static async create(options: ThreadPoolOptions = {}): Promise<ThreadPool> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new RangeError(`ThreadPool: threads must be an integer in [1, 256], got ${String(threads)}`);
    const minWork = options.minParallelWork ?? DEFAULT_MIN_PARALLEL_WORK;
    if (!(minWork >= 0)) throw new RangeError(`ThreadPool: minParallelWork must be ≥ 0, got ${String(minWork)}`);
    const collectEvery = options.collectEveryBytes ?? DEFAULT_COLLECT_EVERY_BYTES;
    if (!(collectEvery >= 0)) throw new RangeError(`ThreadPool: collectEveryBytes must be ≥ 0, got ${String(collectEvery)}`);
    const recycle = options.recycleBytes ?? DEFAULT_RECYCLE_BYTES;
    if (!(recycle >= 0)) throw new RangeError(`ThreadPool: recycleBytes must be ≥ 0, got ${String(recycle)}`);
    if (threads === 1) return new ThreadPool([], minWork, undefined, collectEvery, recycle);
    const reason = threadSupport();
    if (reason !== undefined) {
      (options.onFallback ?? ((m: string) => console.warn(`cryptoface: ${m}`)))(reason);
      return new ThreadPool([], minWork, reason, collectEvery, recycle);
    }
    const started: WorkerHandle[] = [];
    try {
      const timeout = options.startTimeoutMs ?? 60_000;
      for (let i = 1; i < threads; i++) started.push(await startWorker(options.workerUrl, timeout));
    } catch (error) {
      for (const w of started) w.terminate();
      throw error;
    }
    return new ThreadPool(started, minWork, undefined, collectEvery, recycle);
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  /** True when a job of `work` residue-transforms should be split across the workers. */
  splits(work: number): boolean {
    return !this.isDisposed && !this.running && this.workers.length > 0 && work >= this.minParallelWork;
  }

  /**
   * Called by `CkksContext` with `{ pool }`: polynomials over the context's primes are allocated in shared memory
   * from now on and its hot paths may split their work. Idempotent.
   */
  attach(context: CkksContext): void {
    if (this.contexts.has(context)) return;
    const existing = acceleratorOf(context.basisQP);
    if (existing !== undefined) throw new RangeError('ThreadPool.attach: this context is already attached to a pool');
    const primeIndex = new Map<bigint, number>();
    context.basisQP.primes.forEach((p, i) => primeIndex.set(p, i));
    const entry: ContextEntry = { id: nextContextId++, executor: new Executor(context), ringDegree: context.ringDegree, primeIndex, basis: new WeakRef(context.basisQP) };
    this.contexts.set(context, entry);
    if (this.isDisposed || this.workers.length === 0) return;
    this.attached.add(entry.basis);
    this.finalizer.register(context, { id: entry.id, basis: entry.basis });
    const p = context.params;
    // the worker rebuilds the context from explicit primes (security was checked here; insecure skips the re-check)
    const literal = { logN: p.logN, Q: p.Q, P: p.P, logDefaultScale: p.logDefaultScale, secret: p.secret, sigma: p.sigma, dnum: p.dnum, insecure: true };
    const message: ContextMessage = { type: 'context', id: entry.id, literal };
    for (const w of this.workers) w.post(message);
    setAccelerator(context.basisQP, this.accelerator(entry));
  }

  /** A job on `context` (attached), or undefined when `work` is below the cut-off or the pool has no workers. */
  job(context: object, work: number): Job | undefined {
    if (!this.splits(work)) return undefined;
    const entry = this.contexts.get(context);
    return entry === undefined ? undefined : new Job(this, entry);
  }

  /** Internal: runs a job's phases on the calling thread and every worker. */
  execute(entry: ContextEntry, phases: readonly (readonly Unit[])[], buffers: readonly SharedArrayBuffer[]): void {
    const control = newControl(phases.length);
    const message: RunMessage = { type: 'run', context: entry.id, control: control.buffer as SharedArrayBuffer, buffers, phases };
    for (const w of this.workers) w.post(message);
    this.counters.jobs++;
    this.running = true;
    const started = performance.now();
    try {
      runPhases(entry.executor, phases, buffers, control, this.wait, false);
    } finally {
      this.running = false;
      this.counters.jobMs += performance.now() - started;
    }
    this.counters.units += phases.reduce((n, p) => n + p.length, 0);
    this.counters.workerUnits += Atomics.load(control, WORKER_UNITS);
    const error = jobError(control, phases.length);
    if (error !== undefined) throw new Error(`ThreadPool: a parallel job failed: ${error}`);
  }

  private accelerator(entry: ContextEntry): RingAccelerator {
    return {
      allocate: (words) => {
        const { data, fresh } = this.recycler.allocate(words);
        if (fresh) this.noteShared(words * 8);
        return data;
      },
      release: (data) => {
        if (!this.isDisposed) this.recycler.release(data);
      },
      transform: (poly, inverse) => {
        if (!isShared(poly.data) || !this.splits(poly.data.length)) return false;
        const job = new Job(this, entry);
        const p = job.ref(poly);
        const units: Unit[] = [];
        poly.basis.primes.forEach((q, limb) => {
          const prime = entry.primeIndex.get(q);
          if (prime === undefined) throw new RangeError('ThreadPool: a prime outside the context');
          units.push({ op: 'ntt', p, limb, prime, inverse });
        });
        job.phase(units);
        job.run();
        return true;
      },
    };
  }

  /**
   * Collects garbage on the calling thread and in every worker, where the host exposes a collector (`globalThis.gc`:
   * Node with --expose-gc, or src/cli/gc.ts; browsers have none, and then this does nothing). Returns whether a
   * collector ran. Call it where a program has just dropped gigabytes (the face server does at each key phase):
   * a polynomial's shared memory is freed only once every thread that saw it has collected its handle, and workers
   * allocate so little that theirs seldom run — measured, dropped N = 2^16 polynomials stayed resident round after
   * round (+0.67 GB each) until this was called. Waits up to `timeoutMs` for the workers where the calling thread may
   * block (Node), and not at all elsewhere.
   */
  collectGarbage(timeoutMs = 30_000): boolean {
    this.recycler.clear();
    if (!collectHere()) return false;
    if (this.isDisposed || this.workers.length === 0) return true;
    const control = this.askWorkersToCollect();
    if (!canBlock()) return true;
    const deadline = performance.now() + timeoutMs;
    for (let seen = Atomics.load(control, 0); seen < this.workers.length; seen = Atomics.load(control, 0)) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(control, 0, seen, left);
    }
    return true;
  }

  /** Posts 'collect' to every worker (each collects when it next reads its messages) and returns the answers' counter. */
  private askWorkersToCollect(): Int32Array {
    this.sharedSinceCollect = 0;
    this.counters.collectRequests++;
    const control = new Int32Array(new SharedArrayBuffer(4));
    for (const w of this.workers) w.post({ type: 'collect', control: control.buffer as SharedArrayBuffer });
    return control;
  }

  /** Internal: counts shared memory allocated; past `collectEveryBytes`, the workers are asked to collect. */
  noteShared(bytes: number): void {
    this.sharedSinceCollect += bytes;
    if (this.collectEveryBytes > 0 && this.sharedSinceCollect >= this.collectEveryBytes && !this.isDisposed && this.workers.length > 0) {
      this.askWorkersToCollect();
    }
  }

  /** Terminates the workers; contexts attached to the pool go on working on the calling thread. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.recycler.clear();
    for (const w of this.workers) w.terminate();
    for (const ref of this.attached) {
      const basis = ref.deref();
      if (basis !== undefined && acceleratorOf(basis) !== undefined) setAccelerator(basis, undefined);
    }
    this.attached.clear();
  }
}

// `using pool = await ThreadPool.create(…)` where the runtime has Symbol.dispose (Node ≥ 20.4, recent browsers)
const disposeSymbol = (Symbol as { dispose?: symbol }).dispose;
if (disposeSymbol !== undefined) {
  Object.defineProperty(ThreadPool.prototype, disposeSymbol, {
    value(this: ThreadPool) {
      this.dispose();
    },
  });
}

/**
 * One job: the shared buffers its units point into, and its phases. `input`/`key`/`output` bring polynomials that
 * do not live in shared memory (from a context without a pool, or deserialised) into it.
 */
export class Job {
  private readonly buffers: SharedArrayBuffer[] = [];
  private readonly index = new Map<SharedArrayBuffer, number>();
  private readonly phases: Unit[][] = [];
  private readonly copyBack: [RnsPoly, RnsPoly][] = [];

  constructor(private readonly pool: ThreadPool, private readonly entry: ContextEntry) {}

  /** Where `p`'s words (or a shared word array's) are for the units (in shared memory). */
  ref(p: RnsPoly | BigUint64Array): PolyRef {
    const data = p instanceof RnsPoly ? p.data : p;
    if (!isShared(data)) throw new RangeError('ThreadPool: polynomial is not in shared memory');
    const buffer = data.buffer as SharedArrayBuffer;
    let b = this.index.get(buffer);
    if (b === undefined) {
      b = this.buffers.length;
      this.buffers.push(buffer);
      this.index.set(buffer, b);
    }
    return { b, o: data.byteOffset / 8 };
  }

  /** As `key`, for a word array (a `ShoupPlaintext`'s residues or companions). */
  keyWords(a: BigUint64Array): BigUint64Array {
    if (isShared(a)) return a;
    let copy = sharedWordCopies.get(a);
    if (copy === undefined) {
      copy = sharedWords(a, this.pool);
      sharedWordCopies.set(a, copy);
    }
    return copy;
  }

  /** `p`, or a copy of it in shared memory. */
  input(p: RnsPoly): RnsPoly {
    return isShared(p.data) ? p : copyToShared(p, this.pool);
  }

  /** As `input`, for key material (never modified): the shared copy is kept with the key. */
  key(p: RnsPoly): RnsPoly {
    if (isShared(p.data)) return p;
    let copy = sharedKeyCopies.get(p);
    if (copy === undefined) {
      copy = copyToShared(p, this.pool);
      sharedKeyCopies.set(p, copy);
    }
    return copy;
  }

  /** `p`, or a shared stand-in whose contents are copied into `p` (with its form) after `run`. */
  output(p: RnsPoly): RnsPoly {
    if (isShared(p.data)) return p;
    const stand = copyToShared(p, this.pool);
    this.copyBack.push([stand, p]);
    return stand;
  }

  phase(units: Unit[]): void {
    if (units.length > 0) this.phases.push(units);
  }

  run(): void {
    this.pool.execute(this.entry, this.phases, this.buffers);
    for (const [stand, p] of this.copyBack) p.data.set(stand.data);
  }
}

const sharedKeyCopies = new WeakMap<RnsPoly, RnsPoly>();
const sharedWordCopies = new WeakMap<BigUint64Array, BigUint64Array>();

/** A copy of `a` in fresh shared memory (counted towards the workers' collection requests). */
function sharedWords(a: BigUint64Array, pool: ThreadPool): BigUint64Array {
  pool.noteShared(a.length * 8);
  const data = new BigUint64Array(new SharedArrayBuffer(a.length * 8));
  data.set(a);
  return data;
}

/** `p` copied into shared memory, with its form and residue domain. */
function copyToShared(p: RnsPoly, pool: ThreadPool): RnsPoly {
  const copy = new RnsPoly(p.basis, p.form, sharedWords(p.data, pool));
  copy.montgomery = p.montgomery;
  return copy;
}

// ---- starting workers (Node worker_threads or Web Workers) ----

interface NodeWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
  unref(): void;
  on(event: string, listener: (value: unknown) => void): void;
  off(event: string, listener: (value: unknown) => void): void;
}
type NodeWorkerConstructor = new (url: URL, options: { execArgv: string[] }) => NodeWorker;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function startWorker(workerUrl: string | URL | undefined, timeoutMs: number): Promise<WorkerHandle> {
  if (isNode()) {
    // a computed specifier: bundlers for the browser must not try to resolve this Node-only module
    const specifier = ['node', 'worker_threads'].join(':');
    const module = (await import(specifier)) as { Worker: NodeWorkerConstructor };
    const url = workerUrl === undefined ? new URL('./worker.js', import.meta.url) : new URL(workerUrl);
    // workers inherit the process's flags; those for the main script (--input-type with -e) make a worker fail
    // flags that are per process and refused in a worker's execArgv (ERR_WORKER_INVALID_EXEC_ARGV) stay out
    const execArgv = ((globalThis as { process?: { execArgv?: string[] } }).process?.execArgv ?? [])
      .filter((a) => !a.startsWith('--input-type') && !/^--expose[-_]gc$/.test(a));
    const worker = new module.Worker(url, { execArgv });
    await handshake(
      (onMessage, onError) => {
        worker.on('message', onMessage);
        worker.on('error', onError);
        return () => { worker.off('message', onMessage); worker.off('error', onError); };
      },
      () => void worker.terminate(), url, timeoutMs,
    );
    worker.on('message', reportLateFailure);
    worker.on('error', (e) => reportLateFailure({ type: 'failed', message: e instanceof Error ? e.message : String(e) }));
    worker.unref(); // an undisposed pool does not keep the process alive
    return { post: (m) => worker.postMessage(m), terminate: () => void worker.terminate() };
  }
  // the literal `new Worker(new URL('./worker.js', import.meta.url), …)` is what bundlers recognise and bundle
  const worker = workerUrl === undefined
    ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
    : new Worker(workerUrl, { type: 'module' });
  await handshake(
    (onMessage, onError) => {
      const m = (e: MessageEvent) => onMessage(e.data);
      const err = (e: ErrorEvent | Event) => onError(e instanceof ErrorEvent ? (e.error ?? new Error(e.message)) : new Error('worker failed to load'));
      worker.addEventListener('message', m);
      worker.addEventListener('error', err);
      return () => { worker.removeEventListener('message', m); worker.removeEventListener('error', err); };
    },
    () => worker.terminate(), workerUrl ?? 'worker.js', timeoutMs,
  );
  worker.addEventListener('message', (e: MessageEvent) => reportLateFailure(e.data));
  return { post: (m) => worker.postMessage(m), terminate: () => worker.terminate() };
}

function reportLateFailure(message: unknown): void {
  const m = message as FromWorker;
  if (m.type === 'failed') console.warn(`cryptoface: a worker reported an error (its share of the work falls to the calling thread): ${m.message}`);
}

function handshake(
  listen: (onMessage: (m: unknown) => void, onError: (e: unknown) => void) => () => void,
  terminate: () => void, url: string | URL, timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (why: string): void => {
      stop();
      clearTimeout(timer);
      terminate();
      reject(new Error(`ThreadPool: the worker ${String(url)} did not start: ${why}. From TypeScript sources (tests), pass workerUrl pointing at a built worker.js (docs/threads.md).`));
    };
    const stop = listen(
      (m) => {
        const msg = m as FromWorker;
        if (msg.type === 'ready') {
          stop();
          clearTimeout(timer);
          resolve();
        } else fail(msg.message);
      },
      (e) => fail(e instanceof Error ? e.message : String(e)),
    );
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
}
