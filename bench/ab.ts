/**
 * In-process A/B of two builds of this library: `npm run build:scripts` output directories (for another commit, a git
 * worktree built the same way). Both builds are loaded in one process, each with its own thread pool, and one
 * operation is timed on each alternately; the figure is the median of the per-pair ratios B/A. On the 2-core VM the
 * build loaded first ran ≈ 5 % faster than the same build loaded second (A/A 1.057, 16 pairs, 2026-12-02), so the tool
 * runs twice, in child processes with the load order swapped, and reports both medians and their geometric mean.
 *
 *   npm run build:scripts && node build/bench/ab.js <dirA> <dirB> [--op workload|transform|poly|relin|rotate]
 *     [--logN 14|15] [--pairs 16] [--threads 2]
 *
 * workload / transform / poly: the matvec256+poly7 workload of bench/workload.ts (our side, N = 2^15, our parameters);
 * relin / rotate: five calls at SEAL's chain for N = 2^14 or 2^15 (bench/ckks.ts). Prints one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

type Mod<T> = Promise<T>;
const load = <T>(dir: string, path: string): Mod<T> => import(join(dir, 'src/ckks', path)) as Mod<T>;

interface Side {
  run: () => void;
  dispose: () => void;
}

async function side(dir: string, op: string, logN: number, threads: number): Promise<Side> {
  const { CkksContext } = await load<typeof import('../src/ckks/scheme/context.js')>(dir, 'scheme/context.js');
  const { Encoder } = await load<typeof import('../src/ckks/scheme/encoder.js')>(dir, 'scheme/encoder.js');
  const { Encryptor } = await load<typeof import('../src/ckks/scheme/encryptor.js')>(dir, 'scheme/encryptor.js');
  const { Evaluator } = await load<typeof import('../src/ckks/scheme/evaluator.js')>(dir, 'scheme/evaluator.js');
  const { KeyGenerator } = await load<typeof import('../src/ckks/scheme/keyGenerator.js')>(dir, 'scheme/keyGenerator.js');
  const { LinearTransform, cyclicMatrixDiagonals } = await load<typeof import('../src/ckks/circuits/linearTransform/index.js')>(dir, 'circuits/linearTransform/index.js');
  const { PolynomialEvaluator } = await load<typeof import('../src/ckks/circuits/polynomial/index.js')>(dir, 'circuits/polynomial/index.js');
  const { ThreadPool } = await load<typeof import('../src/ckks/parallel/index.js')>(dir, 'parallel/index.js');
  const pool = await ThreadPool.create({ threads });
  let s = 7;
  const random = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  if (op === 'relin' || op === 'rotate') {
    const chain = logN === 14 ? [60, 40, 40, 40, 40, 40, 40, 40, 60] : [60, ...Array<number>(19).fill(40), 60];
    const ctx = new CkksContext({ logN, logQ: chain.slice(0, -1), logP: chain.slice(-1), logDefaultScale: 40 }, { pool });
    const kg = new KeyGenerator(ctx);
    const sk = kg.secretKey();
    const ev = new Evaluator(ctx, { relinearizationKey: kg.relinearizationKey(sk), galoisKeys: kg.galoisKeys(sk, [1]) });
    const encoder = new Encoder(ctx);
    const a = new Encryptor(ctx).encryptPublic(encoder.encode(Float64Array.from({ length: ctx.params.maxSlots }, random)), kg.publicKey(sk));
    const product = ev.mulNoRelin(a, a);
    const out = ev.relinearize(product);
    const run = op === 'relin' ? () => { for (let i = 0; i < 5; i++) ev.relinearize(product, out); } : () => { for (let i = 0; i < 5; i++) ev.rotate(a, 1); };
    return { run, dispose: () => pool.dispose() };
  }
  const DIM = 256;
  const ctx = new CkksContext({ logN: 15, logQ: [58, 40, 40, 40, 40], logP: [58, 58, 58, 58], dnum: 1, logDefaultScale: 40 }, { pool });
  const encoder = new Encoder(ctx);
  const matrix = Float64Array.from({ length: DIM * DIM }, () => random() / 16);
  const transform = LinearTransform.create(encoder, cyclicMatrixDiagonals({ rows: DIM, cols: DIM, values: matrix }), { hoisting: 'mixed' });
  const kg = new KeyGenerator(ctx);
  const sk = kg.secretKey();
  const ev = new Evaluator(ctx, { relinearizationKey: kg.relinearizationKey(sk), galoisKeys: kg.galoisKeys(sk, transform.rotationSteps()) });
  const polys = new PolynomialEvaluator(ev);
  const ct = new Encryptor(ctx).encryptPublic(encoder.encode(Float64Array.from({ length: DIM }, random), { slots: DIM }), kg.publicKey(sk));
  const poly = { basis: 'monomial' as const, coefficients: [0.05, 0.9, -0.3, 0.25, -0.12, 0.08, -0.03, 0.01] };
  const y = transform.evaluate(ev, ct, { rescale: true });
  const run = op === 'transform' ? () => void transform.evaluate(ev, ct, { rescale: true })
    : op === 'poly' ? () => void polys.evaluate(y, poly)
      : () => void polys.evaluate(transform.evaluate(ev, ct, { rescale: true }), poly);
  return { run, dispose: () => pool.dispose() };
}

const median = (v: readonly number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

function flag(argv: readonly string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
}

const argv = process.argv.slice(2);
const [dirA, dirB] = argv;
if (dirA === undefined || dirB === undefined || dirA.startsWith('--') || dirB.startsWith('--')) {
  throw new TypeError('usage: node build/bench/ab.js <buildDirA> <buildDirB> [--op workload|transform|poly|relin|rotate] [--logN 14|15] [--pairs 16] [--threads 2]');
}
const op = flag(argv, 'op', 'workload');
if (!['workload', 'transform', 'poly', 'relin', 'rotate'].includes(op)) throw new RangeError(`ab: unknown --op ${op}`);
const logN = Number(flag(argv, 'logN', '14'));
const pairs = Number(flag(argv, 'pairs', '16'));
const threads = Number(flag(argv, 'threads', '2'));
if (!(logN === 14 || logN === 15) || !Number.isInteger(pairs) || pairs < 2 || !Number.isInteger(threads) || threads < 1) {
  throw new RangeError('ab: --logN must be 14 or 15, --pairs an integer ≥ 2, --threads an integer ≥ 1');
}

if (argv.includes('--child')) {
  // one load order: the first directory is loaded (and measured) first
  const a = await side(dirA, op, logN, threads);
  const b = await side(dirB, op, logN, threads);
  for (let i = 0; i < 2; i++) { a.run(); b.run(); }
  const ta: number[] = [];
  const tb: number[] = [];
  const ratio: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const order: [Side, number[]][] = i % 2 === 0 ? [[a, ta], [b, tb]] : [[b, tb], [a, ta]];
    for (const [x, times] of order) {
      const t0 = performance.now();
      x.run();
      times.push(performance.now() - t0);
    }
    ratio.push(tb[i]! / ta[i]!);
  }
  a.dispose();
  b.dispose();
  console.log(JSON.stringify({ aMs: median(ta), bMs: median(tb), ratio: median(ratio) }));
} else {
  const self = fileURLToPath(import.meta.url);
  const child = (first: string, second: string): { aMs: number; bMs: number; ratio: number } => JSON.parse(
    execFileSync(process.execPath, [self, first, second, '--op', op, '--logN', String(logN), '--pairs', String(pairs), '--threads', String(threads), '--child'], { encoding: 'utf8' }).trim().split('\n').pop()!,
  ) as { aMs: number; bMs: number; ratio: number };
  const forward = child(dirA, dirB); // B/A with A loaded first
  const backward = child(dirB, dirA); // A/B with B loaded first
  const bOverA = [forward.ratio, 1 / backward.ratio];
  console.log(JSON.stringify({
    op, logN: op === 'relin' || op === 'rotate' ? logN : 15, threads, pairs,
    bOverA_Afirst: Number(bOverA[0]!.toFixed(3)), bOverA_Bfirst: Number(bOverA[1]!.toFixed(3)),
    bOverA: Number(Math.sqrt(bOverA[0]! * bOverA[1]!).toFixed(3)),
    msA: Number(((forward.aMs + backward.bMs) / 2).toFixed(1)), msB: Number(((forward.bMs + backward.aMs) / 2).toFixed(1)),
  }));
}
