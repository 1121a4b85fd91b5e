// The service's job queue (src/server/jobQueue.ts) with a stand-in worker that speaks the worker's messages
// (workerMessages.ts) but computes nothing: each "probe" is a small JSON order (how long to work, whether to fail or
// to crash the thread). Checked: one job at a time in FIFO order, positions and progress, 503 BUSY with Retry-After
// from the mean job time, result bytes only when done, expiry after the TTL, a crashed worker failing its job
// (INTERNAL) and being replaced, and a failure while storing the outcome failing the job.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServiceError } from '../../src/server/envelopes.js';
import { JobQueue, type JobSpec, type JsonValue } from '../../src/server/jobQueue.js';
import type { SetupInfo } from '../../src/server/workerMessages.js';

const info: SetupInfo = {
  model: 'ab'.repeat(32), preset: 'test', description: { parameterSet: 'insecureTestPreset', module: '/lib/x.js', export: 'insecureTestPreset', insecure: true },
  keyNames: ['public'], fingerprint: '0'.repeat(16), largestKeyBytes: 1, allKeysBytes: 1, probeBytes: 1, galleryCapacity: 1, layers: 2,
};

// the stand-in worker: ready at once; a job works `ms` milliseconds (two progress reports), then answers its probe
// back as the result, or fails with `fail`, or ends the thread with `crash`
const scriptDir = mkdtempSync(join(tmpdir(), 'cryptoface-queue-'));
const script = join(scriptDir, 'standInWorker.mjs');
writeFileSync(script, `
import { parentPort } from 'node:worker_threads';
parentPort.postMessage({ type: 'ready', info: ${JSON.stringify(info)} });
parentPort.on('message', (m) => {
  if (m.type !== 'job') return;
  const order = JSON.parse(new TextDecoder().decode(m.probe));
  if (order.crash) process.exit(7);
  parentPort.postMessage({ type: 'progress', id: m.id, phase: 'network', done: 1, total: 2 });
  setTimeout(() => {
    if (order.fail) parentPort.postMessage({ type: 'failed', id: m.id, code: order.fail, message: 'refused', seconds: order.ms / 1000 });
    else parentPort.postMessage({ type: 'result', id: m.id, bytes: m.probe, seconds: order.ms / 1000 }, [m.probe.buffer]);
  }, order.ms);
});
`);

let queue: JobQueue | undefined;
afterEach(async () => {
  await queue?.close();
  queue = undefined;
});
afterAll(() => rmSync(scriptDir, { recursive: true, force: true }));

const start = { preset: 'test' as const, root: '/', threads: 1, budgetBytes: 0 };
const order = (o: { ms: number; fail?: string; crash?: boolean }) => new TextEncoder().encode(JSON.stringify(o));
const sleep = (ms: number) => new Promise((w) => setTimeout(w, ms));

function spec(o: { ms: number; fail?: string; crash?: boolean }, finished: string[], name: string, complete?: JobSpec['complete']): JobSpec {
  return {
    kind: 'verify', clientId: 'c', keyDirectory: '/', probe: order(o), templates: [],
    complete: complete ?? (async (bytes) => {
      finished.push(name);
      return { result: { name } as JsonValue, bytes };
    }),
  };
}

async function until(q: JobQueue, id: string, state: string, timeoutMs = 5000): Promise<Record<string, JsonValue>> {
  const t0 = Date.now();
  for (;;) {
    const s = q.status(id);
    if (s['state'] === state) return s;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} is ${String(s['state'])}, not ${state}`);
    await sleep(10);
  }
}

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof ServiceError) return `${e.status} ${e.code}`;
    throw e;
  }
  return 'no error';
};

describe('job queue (stand-in worker)', () => {
  it('one job at a time in FIFO order; positions, progress; 503 BUSY with Retry-After when full; result bytes only when done', async () => {
    const q = queue = await JobQueue.create(start, { maxQueued: 2, ttlMs: 60_000 }, pathToFileURL(script));
    expect(q.info.model).toBe(info.model);
    const finished: string[] = [];
    const a = q.submit(spec({ ms: 150 }, finished, 'a'));
    const b = q.submit(spec({ ms: 20 }, finished, 'b'));
    const c = q.submit(spec({ ms: 20, fail: 'CORRUPT_INPUT' }, finished, 'c'));
    expect([q.status(a)['state'], q.status(b)['position'], q.status(c)['position']]).toEqual(['running', 1, 2]);
    let busy: ServiceError | undefined;
    try {
      q.submit(spec({ ms: 1 }, finished, 'd'));
    } catch (e) {
      busy = e as ServiceError;
    }
    // no job has finished yet: 30 s a job, three ahead
    expect([busy?.status, busy?.code, busy?.headers['Retry-After']]).toEqual([503, 'BUSY', '90']);
    expect(code(() => q.resultBytes(a))).toBe('409 NOT_READY');
    while ((q.status(a)['progress'] as { phase: string }).phase !== 'network') await sleep(5); // the worker's report arrives
    expect(q.status(a)).toMatchObject({ state: 'running', progress: { phase: 'network', done: 1, total: 2 } });
    await until(q, b, 'done');
    const failed = await until(q, c, 'failed');
    expect(failed['error']).toEqual({ code: 'CORRUPT_INPUT', message: 'refused' });
    expect(code(() => q.resultBytes(c))).toBe('409 JOB_FAILED');
    expect(finished).toEqual(['a', 'b']);
    expect(q.status(a)).toMatchObject({ state: 'done', position: 0, result: { name: 'a' }, error: null });
    expect(JSON.parse(new TextDecoder().decode(q.resultBytes(a)))).toEqual({ ms: 150 });
    // the queue has room again; Retry-After now follows the measured mean ((0.15 + 0.02 + 0.02) / 3 s, at least 1 s)
    const long = q.submit(spec({ ms: 300 }, finished, 'e'));
    q.submit(spec({ ms: 1 }, finished, 'f'));
    q.submit(spec({ ms: 1 }, finished, 'g'));
    try {
      q.submit(spec({ ms: 1 }, finished, 'h'));
    } catch (e) {
      busy = e as ServiceError;
    }
    expect(busy?.headers['Retry-After']).toBe('1');
    await until(q, long, 'done');
  });

  it('finished jobs expire after the TTL (404); an outcome that cannot be stored fails the job', async () => {
    const q = queue = await JobQueue.create(start, { maxQueued: 4, ttlMs: 150 }, pathToFileURL(script));
    const a = q.submit(spec({ ms: 5 }, [], 'a'));
    const gone = q.submit(spec({ ms: 5 }, [], 'gone', async () => {
      throw new ServiceError(404, 'NOT_FOUND', 'the client was deleted meanwhile');
    }));
    await until(q, a, 'done');
    expect((await until(q, gone, 'failed'))['error']).toEqual({ code: 'NOT_FOUND', message: 'the client was deleted meanwhile' });
    expect(q.status(a)['state']).toBe('done');
    await sleep(250);
    expect(code(() => q.status(a))).toBe('404 NOT_FOUND');
    expect(code(() => q.resultBytes(a))).toBe('404 NOT_FOUND');
    expect(code(() => q.status('not-a-job-id'))).toBe('404 NOT_FOUND');
  });

  it('a worker that dies fails its job with INTERNAL and is replaced: the jobs behind it run', async () => {
    const q = queue = await JobQueue.create(start, { maxQueued: 4, ttlMs: 60_000 }, pathToFileURL(script));
    const finished: string[] = [];
    const crash = q.submit(spec({ ms: 0, crash: true }, finished, 'crash'));
    const next = q.submit(spec({ ms: 5 }, finished, 'next'));
    expect((await until(q, crash, 'failed'))['error']).toMatchObject({ code: 'INTERNAL' });
    await until(q, next, 'done');
    expect(finished).toEqual(['next']);
  });
});
