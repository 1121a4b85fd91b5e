/**
 * What splitting across threads buys, per operation (issue 14). `npm run bench:threads -- [--quick] [--threads T]
 * [--logN=13,14,15] [--part=cutoff|ops]`:
 *
 * 1. cut-off: an NTT round trip (toEvaluation + toCoefficient) of k limbs at N, on one thread against split over T
 *    threads with no cut-off, interleaved; prints the speed-up per (N, k) and the work N·k·2 (residue-transforms) of
 *    each — the smallest work from which the split pays is what `DEFAULT_MIN_PARALLEL_WORK` should be.
 * 2. ops: the scheme operations at SEAL's chains (as bench:ckks), a context without a pool against one with a pool of
 *    T threads (default cut-off), interleaved in this process; per operation the median times, the speed-up, the
 *    CPU time of all threads per call (process.cpuUsage: the cost of splitting, visible even when the machine is too
 *    busy for the wall time to drop), the share of the split run's wall time spent inside jobs, the share of units
 *    the workers ran, and an idle-machine estimate from these (Amdahl: the time outside jobs as is, the time inside jobs
 *    over T threads, times the extra CPU the split costs) — an estimate, not a measurement.
 * Ends with one JSON line {"threads":T,"cutoff":[…],"ops":[…]}.
 */
import { interleavedMedians, parseFlags } from './harness.js';
import { ThreadPool } from '../src/ckks/parallel/index.js';
import { CkksContext } from '../src/ckks/scheme/context.js';
import { Encoder } from '../src/ckks/scheme/encoder.js';
import { Encryptor } from '../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../src/ckks/scheme/keyGenerator.js';
import type { ParametersLiteral } from '../src/ckks/scheme/parameters.js';
import { RnsPoly } from '../src/ckks/ring/rnsPoly.js';
import { generateNttPrimes } from '../src/ckks/ring/primes.js';

const argv = process.argv.slice(2);
const options = parseFlags(argv);
const flag = (name: string): string | undefined => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i]!.includes('=') ? argv[i]!.slice(name.length + 3) : argv[i + 1];
};
const threads = Number(flag('threads') ?? 2);
const part = flag('part');
const logNs = (flag('logN') ?? '13,14,15').split(',').map(Number);
const rounds = options.quick ? 3 : 7;
const sliceMs = options.quick ? 100 : 250;

const pool = await ThreadPool.create({ threads, minParallelWork: 0 });
if (pool.threads !== threads) throw new Error(`could not start ${threads} threads: ${pool.fallbackReason ?? ''}`);

function cpuPerCall(fn: () => void, calls: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / calls;
}

const cutoff: { N: number; limbs: number; work: number; single_ms: number; split_ms: number; speedup: number }[] = [];
if (part === undefined || part === 'cutoff') {
  console.log(`\n### NTT round trip of k limbs: 1 thread vs ${threads} (split with no cut-off)\n`);
  console.log('| N | limbs | work N·k·2 | 1 thread (ms) | split (ms) | speed-up |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const logN of [10, 11, 12, 13, 14]) {
    const N = 2 ** logN;
    const primes = generateNttPrimes(50, 8, N);
    for (const limbs of [1, 2, 4, 8]) {
      const literal: ParametersLiteral = { logN, Q: primes.slice(0, limbs), P: generateNttPrimes(55, 1, N), logDefaultScale: 40, insecure: true };
      const plain = new CkksContext(literal);
      const split = new CkksContext(literal, { pool });
      const a = RnsPoly.fromCoefficients(plain.basisQ, Array.from({ length: N }, (_, i) => BigInt(i * 7919)));
      const b = new RnsPoly(split.basisQ, 'coefficient');
      b.data.set(a.data);
      const m = interleavedMedians([
        ['single', () => a.toEvaluation().toCoefficient()],
        ['split', () => b.toEvaluation().toCoefficient()],
      ], rounds, sliceMs / 2);
      const row = { N, limbs, work: N * limbs * 2, single_ms: m.get('single')!, split_ms: m.get('split')!, speedup: m.get('single')! / m.get('split')! };
      cutoff.push(row);
      console.log(`| 2^${logN} | ${limbs} | ${row.work} | ${row.single_ms.toFixed(3)} | ${row.split_ms.toFixed(3)} | ${row.speedup.toFixed(2)} |`);
    }
  }
}

const ops: {
  N: number; op: string; single_ms: number; split_ms: number; speedup: number; single_cpu_ms: number; split_cpu_ms: number;
  in_jobs: number; worker_units: number; idle_estimate: number;
}[] = [];
if (part === undefined || part === 'ops') {
  pool.minParallelWork = (await import('../src/ckks/parallel/index.js')).DEFAULT_MIN_PARALLEL_WORK;
  for (const logN of logNs) {
    const k = { 13: 2, 14: 7, 15: 19 }[logN] ?? 7;
    const literal: ParametersLiteral = { logN, logQ: [60, ...new Array<number>(k).fill(40)], logP: [60], logDefaultScale: 40 };
    const setup = (p: ThreadPool | undefined) => {
      const ctx = new CkksContext(literal, p === undefined ? {} : { pool: p });
      const kg = new KeyGenerator(ctx);
      const sk = kg.secretKey();
      const steps = [1, 2, 3, 4, 5, 6, 7, 8];
      const ev = new Evaluator(ctx, { relinearizationKey: kg.relinearizationKey(sk), galoisKeys: kg.galoisKeys(sk, steps) });
      const encoder = new Encoder(ctx);
      const x = Float64Array.from({ length: ctx.params.maxSlots }, (_, i) => Math.sin(i));
      const encryptor = new Encryptor(ctx);
      const pk = kg.publicKey(sk);
      const a = encryptor.encryptPublic(encoder.encode(x), pk);
      const b = encryptor.encryptPublic(encoder.encode(x), pk);
      const product = ev.mulNoRelin(a, b);
      const relin = ev.relinearize(product);
      const pt = encoder.encode(x);
      return new Map<string, () => void>([
        ['encode', () => void encoder.encode(x)],
        ['encrypt', () => void encryptor.encryptPublic(pt, pk)],
        ['multiply', () => void ev.mulNoRelin(a, b)],
        ['multiply_plain', () => void ev.mulPlain(a, pt)],
        ['relinearize', () => void ev.relinearize(product)],
        ['rescale', () => void ev.rescale(relin)],
        ['rotate', () => void ev.rotate(a, 1)],
        ['mul_relin_rescale', () => void ev.mulRelinRescale(a, b)],
        ['rotate_hoisted_8', () => void ev.rotateHoisted(a, steps)],
      ]);
    };
    const one = setup(undefined);
    const many = setup(pool);
    console.log(`\n### N = 2^${logN}, chain [60, 40×${k} | 60]: 1 thread vs ${threads}\n`);
    console.log('| op | 1 thread (ms) | split (ms) | speed-up | CPU/call 1 thread (ms) | CPU/call split (ms) | split: time in jobs | units run by workers | idle-machine estimate |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [op, f1] of one) {
      const f2 = many.get(op)!;
      const m = interleavedMedians([['single', f1], ['split', f2]], rounds, sliceMs);
      const calls = Math.max(3, Math.round(300 / m.get('single')!));
      const single_cpu_ms = cpuPerCall(f1, calls);
      const before = { ...pool.counters };
      const t0 = performance.now();
      const split_cpu_ms = cpuPerCall(f2, calls);
      const wall = performance.now() - t0;
      const inJobs = Math.min(1, (pool.counters.jobMs - before.jobMs) / wall);
      const units = pool.counters.units - before.units;
      const workerUnits = units === 0 ? 0 : (pool.counters.workerUnits - before.workerUnits) / units;
      // Amdahl with the measured parts: the time outside jobs unchanged, the time inside jobs over T threads, times the
      // CPU the split costs on top (capped at no gain: a split never saves CPU)
      const idle = Math.min(1, single_cpu_ms / split_cpu_ms) / ((1 - inJobs) + inJobs / threads);
      const row = {
        N: 2 ** logN, op, single_ms: m.get('single')!, split_ms: m.get('split')!, speedup: m.get('single')! / m.get('split')!,
        single_cpu_ms, split_cpu_ms, in_jobs: inJobs, worker_units: workerUnits, idle_estimate: idle,
      };
      ops.push(row);
      console.log(`| ${op} | ${row.single_ms.toFixed(2)} | ${row.split_ms.toFixed(2)} | ${row.speedup.toFixed(2)} | ${single_cpu_ms.toFixed(2)} | ${split_cpu_ms.toFixed(2)} | ${(inJobs * 100).toFixed(0)}% | ${(workerUnits * 100).toFixed(0)}% | ${idle.toFixed(2)} |`);
    }
  }
}
pool.dispose();
const round3 = (v: number): number => Number(v.toFixed(3));
console.log(JSON.stringify({
  threads,
  cutoff: cutoff.map((r) => ({ ...r, single_ms: round3(r.single_ms), split_ms: round3(r.split_ms), speedup: round3(r.speedup) })),
  ops: ops.map((r) => ({
    ...r, single_ms: round3(r.single_ms), split_ms: round3(r.split_ms), speedup: round3(r.speedup), single_cpu_ms: round3(r.single_cpu_ms),
    split_cpu_ms: round3(r.split_cpu_ms), in_jobs: round3(r.in_jobs), worker_units: round3(r.worker_units), idle_estimate: round3(r.idle_estimate),
  })),
}));
