/**
 * CKKS scheme benchmark against node-seal in the same process (issue: "CKKS scheme … benchmarked against
 * node-seal"). Same parameters on both sides: N = 2^13 with [60, 40, 40 | 60], N = 2^14 with [60, 40×7 | 60] and
 * N = 2^15 with [60, 40×19 | 60] (last prime = special prime P), scale 2^40, top level, N/2 slots, real inputs in
 * [−1, 1]. Then the whole-workload comparison of `workload.ts` (256×256 matrix-vector product + degree-7
 * polynomial at N = 2^15, each library at its best).
 *
 * `npm run bench:ckks -- [--quick] [--threads T] [--logN=13|14|15] [--workload=only|no]` prints a markdown table
 * (ours, node-seal, ratio) and, per N, one JSON line {"N":…, "threads":T, "ratios": {op: nodeSeal/ours}, …}, then
 * {"workload":"matvec256+poly7","threads":T,"ratio":…}. Our side runs on a `ThreadPool` of T threads (default: the
 * core count, `os.availableParallelism()`; `--threads 1` for one thread); node-seal has one. The two libraries alternate within each operation (`pairedMedians`), so drifts of the machine
 * affect both sides of a ratio alike.
 */
import { availableParallelism } from 'node:os';
import { pairedMedians, parseFlags } from './harness.js';
import { PEER_OPS, prepareNodeSeal } from './peers/nodeSeal.js';
import { CkksContext } from '../src/ckks/scheme/context.js';
import { Encoder } from '../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../src/ckks/scheme/keyGenerator.js';
import type { ParametersLiteral } from '../src/ckks/scheme/parameters.js';
import { ThreadPool } from '../src/ckks/parallel/index.js';
import { runWorkload } from './workload.js';

interface OursSetup {
  tasks: ReadonlyArray<readonly [string, () => void]>;
  sizes: { relinKeyBytes: number; galoisKeyBytesPerStep: number; ciphertextBytes: number; publicKeyBytes: number };
  maxAbsError: number;
}

function prepareOurs(literal: ParametersLiteral, pool: ThreadPool | undefined): OursSetup {
  const ctx = new CkksContext(literal, pool === undefined ? {} : { pool });
  const keygen = new KeyGenerator(ctx);
  const sk = keygen.secretKey();
  const pk = keygen.publicKey(sk);
  const rlk = keygen.relinearizationKey(sk);
  const gk = keygen.galoisKeys(sk, [1]);
  const encoder = new Encoder(ctx);
  const encryptor = new Encryptor(ctx);
  const decryptor = new Decryptor(ctx, sk);
  const evaluator = new Evaluator(ctx, { relinearizationKey: rlk, galoisKeys: gk });
  const n = ctx.params.maxSlots;
  let s = 12345;
  const random = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const x = Float64Array.from({ length: n }, random);
  const y = Float64Array.from({ length: n }, random);
  const ptX = encoder.encode(x);
  const a = encryptor.encryptPublic(ptX, pk);
  const b = encryptor.encryptPublic(encoder.encode(y), pk);
  const product = evaluator.mulNoRelin(a, b);
  const productRelin = evaluator.relinearize(product);
  const sum = evaluator.add(a, b);
  const relinOut = evaluator.relinearize(product);
  const rescaleOut = evaluator.rescale(productRelin);
  const pt = encoder.encode(y);
  // destinations allocated once, as the node-seal side's (bench/peers/nodeSeal.ts)
  const mulPlainOut = evaluator.mulPlain(a, pt);
  const rotateOut = evaluator.rotate(a, 1);
  const mulRelinRescaleOut = evaluator.mulRelinRescale(a, b);
  const encryptOut = encryptor.encryptPublic(ptX, pk);
  const encodeOut = encoder.encode(x);
  const check = encoder.decode(decryptor.decrypt(a)).re;
  let maxAbsError = 0;
  for (let i = 0; i < n; i++) maxAbsError = Math.max(maxAbsError, Math.abs(check[i]! - x[i]!));
  const tasks: [string, () => void][] = [
    ['encode', () => encoder.encode(x, {}, encodeOut)],
    ['encrypt', () => encryptor.encryptPublic(ptX, pk, encryptOut)],
    ['decrypt_decode', () => encoder.decode(decryptor.decrypt(a))],
    ['add', () => evaluator.add(a, b, sum)],
    ['multiply', () => evaluator.mulNoRelin(a, b, product)],
    ['relinearize', () => evaluator.relinearize(product, relinOut)],
    ['rescale', () => evaluator.rescale(productRelin, rescaleOut)],
    ['multiply_plain', () => evaluator.mulPlain(a, pt, mulPlainOut)],
    ['rotate', () => evaluator.rotate(a, 1, rotateOut)],
    ['mul_relin_rescale', () => evaluator.mulRelinRescale(a, b, mulRelinRescaleOut)],
    ['keygen', () => { const k = keygen.secretKey(); keygen.publicKey(k); keygen.relinearizationKey(k); }],
  ];
  const words = (polys: number, limbs: number) => polys * limbs * ctx.ringDegree * 8;
  const kQ = ctx.params.Q.length, kQP = kQ + ctx.params.P.length;
  return {
    tasks,
    sizes: {
      relinKeyBytes: words(2 * ctx.params.dnum, kQP),
      galoisKeyBytesPerStep: words(2 * ctx.params.dnum, kQP),
      ciphertextBytes: words(2, kQ),
      publicKeyBytes: words(2, kQP), // the public key lives over Q ∪ P (encryption divides by P)
    },
    maxAbsError,
  };
}

const argv = process.argv.slice(2);
const options = parseFlags(argv);
const only = argv.find((a) => a.startsWith('--logN='));
const workloadFlag = argv.find((a) => a.startsWith('--workload='))?.slice('--workload='.length);
const threadsAt = argv.findIndex((a) => a === '--threads' || a.startsWith('--threads='));
const threadsText = threadsAt < 0 ? String(availableParallelism()) : argv[threadsAt]!.includes('=') ? argv[threadsAt]!.split('=')[1]! : argv[threadsAt + 1] ?? '';
const threads = Number(threadsText);
if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got ${threadsText}`);
const pool = threads > 1 ? await ThreadPool.create({ threads }) : undefined;
if (pool !== undefined && pool.threads !== threads) throw new Error(`could not start ${threads} threads: ${pool.fallbackReason ?? 'unknown reason'}`);
// SEAL's exact chains on both sides (our presets PN13QP200/PN14QP400 move one bit from q_0 to P, see presets.ts)
const sealChain = (logN: number, chain: number[]): { literal: ParametersLiteral; chain: number[] } => ({
  literal: { logN, logQ: chain.slice(0, -1), logP: chain.slice(-1), logDefaultScale: 40 },
  chain,
});
const configs: { literal: ParametersLiteral; chain: number[] }[] = [
  sealChain(13, [60, 40, 40, 60]),
  sealChain(14, [60, 40, 40, 40, 40, 40, 40, 40, 60]),
  sealChain(15, [60, ...new Array<number>(19).fill(40), 60]),
].filter((c) => workloadFlag !== 'only' && (only === undefined || `--logN=${c.literal.logN}` === only));

for (const { literal, chain } of configs) {
  const ours = prepareOurs(literal, pool);
  const peer = await prepareNodeSeal({ logN: literal.logN, chainBits: chain, logScale: 40 });
  const task = (tasks: ReadonlyArray<readonly [string, () => void]>, op: string): (() => void) => {
    const t = tasks.find(([name]) => name === op);
    if (t === undefined) throw new Error(`missing task ${op}`);
    return t[1];
  };
  // ours and node-seal alternate within every operation (see pairedMedians): only ratios measured so mean anything here
  const timed = pairedMedians(PEER_OPS.map((op) => [op, task(ours.tasks, op), task(peer.tasks, op)] as const), options);
  peer.dispose();
  const oursMedians = timed.a;
  const peerMedians = timed.b;
  console.log(`\n### N = 2^${literal.logN}, chain [${chain.join(', ')}], scale 2^40, ${2 ** (literal.logN - 1)} slots, ours on ${threads} thread${threads > 1 ? 's' : ''}\n`);
  console.log('| op | ours (ms) | node-seal (ms) | node-seal / ours |');
  console.log('|---|---:|---:|---:|');
  const ratios: Record<string, number> = {};
  for (const op of PEER_OPS) {
    const o = oursMedians.get(op);
    const p = peerMedians.get(op);
    if (o === undefined || p === undefined) throw new Error(`missing result for ${op}`);
    ratios[op] = Number((p / o).toFixed(3));
    console.log(`| ${op} | ${o.toFixed(3)} | ${p.toFixed(3)} | ${(p / o).toFixed(2)} |`);
  }
  console.log(`| relin key size | ${(ours.sizes.relinKeyBytes / 1e6).toFixed(2)} MB | ${(peer.sizes.relinKeyBytes / 1e6).toFixed(2)} MB | |`);
  console.log(`| fresh ciphertext size | ${(ours.sizes.ciphertextBytes / 1e3).toFixed(0)} KB | ${(peer.sizes.ciphertextBytes / 1e3).toFixed(0)} KB | |`);
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  console.log(`| peak RSS (process) | ${rssMb.toFixed(0)} MiB | | |`);
  console.log(JSON.stringify({
    N: 2 ** literal.logN, threads, ratios, ours_max_abs_error: ours.maxAbsError, seal_max_abs_error: peer.maxAbsError,
    ours_sizes: ours.sizes, seal_sizes: peer.sizes, rss_mib: Math.round(rssMb),
  }));
}

if (workloadFlag !== 'no' && (only === undefined || workloadFlag === 'only')) {
  const w = await runWorkload(options, threads, pool);
  console.log(`\n### Workload: 256×256 matrix-vector product + degree-7 polynomial, N = 2^15, 128-bit, ours on ${threads} thread${threads > 1 ? 's' : ''}\n`);
  console.log('| | ours | node-seal | node-seal / ours |');
  console.log('|---|---:|---:|---:|');
  console.log(`| time (ms) | ${w.ours_ms} | ${w.seal_ms} | ${w.ratio} |`);
  console.log(`| max abs error | ${w.ours_max_abs_error.toExponential(2)} | ${w.seal_max_abs_error.toExponential(2)} | |`);
  console.log(JSON.stringify(w));
}
pool?.dispose();
