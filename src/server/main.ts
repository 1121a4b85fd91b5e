#!/usr/bin/env node
/**
 * `npm run serve -- --data DIR [--port P] [--preset secure|test] [--threads T] …`: the HTTP face service on 127.0.0.1
 * (docs/server.md). Starts the job worker (which builds the preset's setup), opens the data directory (removing what
 * a crash left half-written), listens, and prints `listening on http://127.0.0.1:<port>` once it answers.
 * Exit codes: 0 stopped by a signal, 1 failed to start, 2 usage error.
 */
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type Limits } from './app.js';
import { JobQueue } from './jobQueue.js';
import type { PresetName } from './presets.js';
import { DataStore } from './storage.js';

export const USAGE = `usage: npm run serve -- --data DIR [options]
  --data DIR          where clients' keys and templates are stored (created if missing)
  --port P            TCP port on 127.0.0.1 (default 8080; 0: a free port the system picks)
  --preset NAME       secure (default: N = 2^16, models/cfnet4) or test (INSECURE reduced network, N = 2^11)
  --threads T         threads for the job worker's computations (default: all cores)
  --queue Q           jobs that may wait behind the running one before 503 (default 8)
  --budget-gb G       encoded network weights kept in memory per client's server (default 2)
  --max-key-bytes B, --max-client-bytes B, --max-probe-bytes B
                      size limits (default: from the key plan; see docs/server.md)
  --job-ttl S         seconds a finished job's result is kept (default 900)
  --root DIR          package root serving web/, dist/ (as /lib/) and models/ (default: this package)`;

interface Options {
  data: string;
  port: number;
  preset: PresetName;
  threads: number;
  queue: number;
  budgetGb: number;
  ttl: number;
  root: string;
  maxKey?: number;
  maxClient?: number;
  maxProbe?: number;
}

class UsageError extends Error {}

function parse(argv: readonly string[]): Options {
  const o: Record<string, string> = {};
  const known = ['data', 'port', 'preset', 'threads', 'queue', 'budget-gb', 'max-key-bytes', 'max-client-bytes', 'max-probe-bytes', 'job-ttl', 'root'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') throw new UsageError('');
    const name = a.startsWith('--') ? a.slice(2) : '';
    if (!known.includes(name)) throw new UsageError(`unknown argument ${a}`);
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${a} needs a value`);
    o[name] = v;
  }
  const int = (name: string, lo: number, hi: number, fallback?: number): number => {
    const v = o[name] === undefined ? fallback : Number(o[name]);
    if (v === undefined || !Number.isInteger(v) || v < lo || v > hi) throw new UsageError(`--${name} must be an integer in [${lo}, ${hi}]`);
    return v;
  };
  const optional = (name: string) => (o[name] === undefined ? undefined : int(name, 1, Number.MAX_SAFE_INTEGER));
  if (o['data'] === undefined) throw new UsageError('--data DIR is required');
  const preset = o['preset'] ?? 'secure';
  if (preset !== 'secure' && preset !== 'test') throw new UsageError('--preset is secure or test');
  const budgetGb = o['budget-gb'] === undefined ? 2 : Number(o['budget-gb']);
  if (!(budgetGb >= 0)) throw new UsageError('--budget-gb must be a number ≥ 0');
  const maxKey = optional('max-key-bytes'), maxClient = optional('max-client-bytes'), maxProbe = optional('max-probe-bytes');
  return {
    data: resolve(o['data']), port: int('port', 0, 65535, 8080), preset, threads: int('threads', 1, 256, availableParallelism()),
    queue: int('queue', 0, 10_000, 8), budgetGb, ttl: int('job-ttl', 1, 7 * 86400, 900),
    root: resolve(o['root'] ?? fileURLToPath(new URL('../../', import.meta.url))),
    ...(maxKey === undefined ? {} : { maxKey }), ...(maxClient === undefined ? {} : { maxClient }), ...(maxProbe === undefined ? {} : { maxProbe }),
  };
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message === '' ? '' : `serve: ${e.message}\n`}${USAGE}\n`);
    return e.message === '' ? 0 : 2;
  }
  if (o.preset === 'test') process.stderr.write('serve: preset "test" is INSECURE (N = 2^11, a random reduced network): for tests and demos only\n');
  const queue = await JobQueue.create({ preset: o.preset, root: o.root, threads: o.threads, budgetBytes: o.budgetGb * 1e9 }, { maxQueued: o.queue, ttlMs: o.ttl * 1000 });
  const info = queue.info;
  const store = await DataStore.open(o.data, info.model);
  // defaults: an unseeded blob of the largest key (twice its seeded size) and all keys unseeded, plus framing slack
  const limits: Limits = {
    keyBytes: o.maxKey ?? info.largestKeyBytes + (1 << 20),
    clientKeyBytes: o.maxClient ?? info.allKeysBytes + info.keyNames.length * 4096 + (1 << 20),
    probeBytes: o.maxProbe ?? info.probeBytes + (1 << 20),
  };
  const server = createServer({ requestTimeout: 0 }, createApp({ store, queue, limits, root: o.root }));
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(o.port, '127.0.0.1', () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  process.stderr.write(`serve: preset ${o.preset}, model ${info.model}, data ${o.data}, ${o.threads} thread(s), queue ${o.queue}\n`);
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  server.close();
  server.closeAllConnections();
  await queue.close();
  return 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`serve: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
