/**
 * The job queue on the HTTP thread (Node only; docs/server.md "Jobs"): a bounded FIFO in front of the one job worker
 * (jobWorker.ts), which runs one job at a time. A full queue refuses with 503 and Retry-After (the measured mean job
 * time × the jobs ahead). Finished jobs — state, progress, JSON result, result bytes — stay in memory until they
 * expire (`ttlMs` after they finish); they do not survive a restart (what must survive, a template, is on disk before
 * its job is marked done).
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ServiceError } from './envelopes.js';
import type { FromWorker, JobKind, SetupInfo, ToWorker, WorkerStart } from './workerMessages.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed';
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };

export interface JobSpec {
  readonly kind: JobKind;
  readonly clientId: string;
  readonly keyDirectory: string;
  readonly probe: Uint8Array;
  /** Template files (verify: one; identify: the gallery, in order). */
  readonly templates: readonly string[];
  /** Turns the worker's bytes into the job's JSON result (enrol: stores the template first); may throw. */
  readonly complete: (bytes: Uint8Array) => Promise<{ result: JsonValue; bytes?: Uint8Array }>;
  /** Extra JSON shown in the status from the start (identify: the gallery's template ids). */
  readonly extra?: { readonly [k: string]: JsonValue };
}

interface Job {
  readonly id: string;
  readonly spec: JobSpec;
  state: JobState;
  progress: { phase: string; done: number; total: number };
  result: JsonValue;
  bytes: Uint8Array | undefined;
  error: { code: string; message: string } | null;
  finishedAt: number;
}

export interface JobQueueOptions {
  /** Jobs waiting behind the running one before 503 (≥ 0). */
  readonly maxQueued: number;
  /** Milliseconds a finished job is kept. */
  readonly ttlMs: number;
}

/** Starts a job worker and resolves with it and its setup once it reports ready. */
function startWorker(start: WorkerStart, script: URL): Promise<{ worker: Worker; info: SetupInfo }> {
  const worker = new Worker(script, { workerData: start });
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => finish(e);
    const onExit = (code: number) => finish(new Error(`the job worker exited with code ${code} before it was ready`));
    const onMessage = (m: FromWorker) => finish(m.type === 'ready' ? undefined : new Error(`unexpected worker message ${m.type}`), m);
    const finish = (e: Error | undefined, m?: FromWorker) => {
      worker.off('error', onError).off('exit', onExit).off('message', onMessage);
      if (e === undefined && m?.type === 'ready') resolve({ worker, info: m.info });
      else reject(e ?? new Error('the job worker did not start'));
    };
    worker.on('error', onError).on('exit', onExit).on('message', onMessage);
  });
}

export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private running: Job | undefined;
  private worker!: Worker;
  private meanSeconds = 0;
  private finishedCount = 0;
  private closed = false;
  /** True while a lost worker is being replaced: nothing is dispatched until the new one is ready. */
  private restarting = false;

  private constructor(private readonly start: WorkerStart, private readonly options: JobQueueOptions, private readonly script: URL, readonly info: SetupInfo) {}

  /**
   * Starts the worker and waits until its setup is built. `script` is the worker's module (default jobWorker.js beside
   * this one; tests pass a stand-in that speaks the same messages).
   */
  static async create(start: WorkerStart, options: JobQueueOptions, script = new URL('./jobWorker.js', import.meta.url)): Promise<JobQueue> {
    const { worker, info } = await startWorker(start, script);
    const q = new JobQueue(start, options, script, info);
    q.attach(worker);
    const sweep = setInterval(() => q.expire(), Math.min(options.ttlMs, 60_000));
    sweep.unref();
    return q;
  }

  private attach(worker: Worker): void {
    this.worker = worker;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.onWorkerLost(worker, e.message));
    worker.on('exit', (code) => this.onWorkerLost(worker, `the job worker exited (code ${code})`));
  }

  /** A dead worker fails its job and is replaced (the queue carries on). */
  private onWorkerLost(worker: Worker, why: string): void {
    if (this.closed || worker !== this.worker) return;
    const job = this.running;
    this.running = undefined;
    if (job !== undefined) this.finish(job, 'failed', null, undefined, { code: 'INTERNAL', message: why });
    void worker.terminate();
    this.restarting = true;
    startWorker(this.start, this.script).then(({ worker: next }) => {
      this.restarting = false;
      this.attach(next);
      this.next();
    }, (e: unknown) => process.stderr.write(`serve: the job worker could not be restarted: ${e instanceof Error ? e.message : String(e)}\n`));
  }

  /** Queues a job (503 BUSY with Retry-After when the queue is full); returns its id. */
  submit(spec: JobSpec): string {
    this.expire();
    if ((this.running !== undefined || this.restarting) && this.waiting.length >= this.options.maxQueued) {
      const ahead = this.waiting.length + (this.running === undefined ? 0 : 1);
      const retry = Math.max(1, Math.min(3600, Math.ceil((this.finishedCount > 0 ? this.meanSeconds : 30) * ahead)));
      throw new ServiceError(503, 'BUSY', `the job queue is full (${this.waiting.length} waiting); retry in about ${retry} s`, { 'Retry-After': String(retry) });
    }
    const job: Job = {
      id: randomBytes(16).toString('hex'), spec, state: 'queued', progress: { phase: 'queued', done: 0, total: 1 },
      result: null, bytes: undefined, error: null, finishedAt: 0,
    };
    this.jobs.set(job.id, job);
    this.waiting.push(job);
    this.next();
    return job.id;
  }

  private next(): void {
    if (this.running !== undefined || this.restarting) return;
    const job = this.waiting.shift();
    if (job === undefined) return;
    this.running = job;
    job.state = 'running';
    const { kind, clientId, keyDirectory, probe, templates } = job.spec;
    // the probe moves to the worker (its buffer is transferred, not copied: nothing here needs it any more)
    const own = probe.byteOffset === 0 && probe.byteLength === probe.buffer.byteLength && probe.buffer instanceof ArrayBuffer ? probe : probe.slice();
    const m: ToWorker = { type: 'job', id: job.id, kind, clientId, keyDirectory, probe: own, templates };
    this.worker.postMessage(m, [own.buffer as ArrayBuffer]);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ready') return;
    const job = this.jobs.get(m.id);
    if (job === undefined) return;
    if (m.type === 'progress') {
      job.progress = { phase: m.phase, done: m.done, total: m.total };
      return;
    }
    this.running = undefined;
    this.finishedCount++;
    this.meanSeconds += (m.seconds - this.meanSeconds) / this.finishedCount;
    if (m.type === 'failed') this.finish(job, 'failed', null, undefined, { code: m.code, message: m.message });
    else {
      // the job is done only once its outcome is stored (enrol: the template file, renamed and synced)
      job.spec.complete(m.bytes).then(
        ({ result, bytes }) => this.finish(job, 'done', result, bytes, null),
        (e: unknown) => this.finish(job, 'failed', null, undefined, {
          code: e instanceof ServiceError ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e),
        }),
      );
    }
    this.next();
  }

  private finish(job: Job, state: 'done' | 'failed', result: JsonValue, bytes: Uint8Array | undefined, error: Job['error']): void {
    job.state = state;
    job.result = result;
    job.bytes = bytes;
    job.error = error;
    job.finishedAt = Date.now();
    if (state === 'done') job.progress = { phase: 'done', done: 1, total: 1 };
  }

  /** Tells the worker to drop its cached server of this client (its keys changed or it was deleted). */
  evict(clientId: string): void {
    if (!this.restarting) this.worker.postMessage({ type: 'evict', clientId } satisfies ToWorker);
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, job] of this.jobs) if (job.finishedAt > 0 && now - job.finishedAt > this.options.ttlMs) this.jobs.delete(id);
  }

  /** The job's status as `GET /api/jobs/:id` returns it, or 404. */
  status(id: string): { [k: string]: JsonValue } {
    const job = this.get(id);
    const position = job.state === 'queued' ? this.waiting.indexOf(job) + 1 : 0;
    return { id: job.id, kind: job.spec.kind, state: job.state, position, progress: job.progress, result: job.result, error: job.error, ...(job.spec.extra ?? {}) };
  }

  /** The result bytes of a finished verify / identify job (404 unknown, 409 not done or no bytes). */
  resultBytes(id: string): Uint8Array {
    const job = this.get(id);
    if (job.state !== 'done' || job.bytes === undefined) {
      throw new ServiceError(409, job.state === 'failed' ? 'JOB_FAILED' : job.state === 'done' ? 'NO_RESULT_BYTES' : 'NOT_READY', `job ${id} is ${job.state}${job.bytes === undefined && job.state === 'done' ? ' and has no result bytes (enrolment: see result.templateId)' : ''}`);
    }
    return job.bytes;
  }

  private get(id: string): Job {
    this.expire();
    const job = /^[0-9a-f]{32}$/.test(id) ? this.jobs.get(id) : undefined;
    if (job === undefined) throw new ServiceError(404, 'NOT_FOUND', 'no such job (unknown, or expired)');
    return job;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }
}
