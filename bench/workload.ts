/**
 * Whole-workload comparison with node-seal (issue 14): y = M·x for a dense 256×256 matrix M, then z = p(y) slot-wise
 * for a degree-7 polynomial p, at N = 2^15, 128-bit security, scale 2^40, each library at its best:
 *
 * - node-seal: a chain for the depth the workload needs (1 level for M·x, 3 for p): [50, 40, 40, 40, 40 | 60], one
 *   special prime (SEAL has no other choice). q_0 = 50 bits rather than SEAL's usual 60: key-switching noise grows
 *   with (largest digit)/P, and with q_0 ≈ P the rotations alone cost ~1e-5 of precision at N = 2^15 (measured
 *   6e-6 … 2e-5 against our 6e-9 … 1e-8); q_0 < P brings SEAL to equal precision at no cost in time (same number of
 *   primes). x replicated over the 2^14 slots. M·x by baby-step/giant-step
 *   (16 × 16; the pre-rotated diagonals encoded once), each giant group rescaled before its rotation (cheaper key
 *   switch one level down), the giant rotations summed; p in the power basis with depth 3 (y², y⁴, the odd powers
 *   times their coefficient first, low + y⁴·high), constants encoded once, scales reset to 2^40 after each rescale
 *   as SEAL's own examples do.
 * - ours: Q = [58, 40, 40, 40, 40] with P = 4 × 58-bit special primes and one key-switching digit (dnum = 1;
 *   log QP = 450 ≤ 881; P > Q keeps the key-switching noise below the rounding), 256 slots, `LinearTransform` with
 *   mixed hoisting (one decomposition for all baby steps, shared in Shoup form; the babies' first parts kept over
 *   Q ∪ P; the giant steps summed in Q ∪ P and divided by q_ℓ·P once: ModDown and rescale fused). Primes below
 *   2^58 let the 16 products of a giant group accumulate without any reduction (⌊2^64/(4q)⌋ ≥ 16,
 *   `lazyProductCapacity`) on every limb, where 60/61-bit primes need one per product: transform −11 % on 2 threads
 *   (12 interleaved pairs, 2026-12-02), same precision,
 *   `PolynomialEvaluator` (monomial basis, depth 3, exact scales); with `--threads T` a `ThreadPool` of T threads.
 *
 * Both start from a fresh encryption at the top level and end with a ciphertext of p(M·x); the timed closures
 * include every homomorphic operation and nothing else (keys, encoded diagonals and constants are prepared once).
 * They alternate (`interleavedMedians`), so the ratio node-seal / ours is measured under the same machine load.
 * Precision: max |decrypt − p(M·x)| over the 256 outputs, for both.
 */
import { interleavedMedians, type BenchOptions } from './harness.js';
import { loadSeal } from './peers/nodeSeal.js';
import { CkksContext } from '../src/ckks/scheme/context.js';
import { Encoder } from '../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../src/ckks/scheme/keyGenerator.js';
import type { Ciphertext } from '../src/ckks/scheme/plaintext.js';
import { LinearTransform, cyclicMatrixDiagonals } from '../src/ckks/circuits/linearTransform/index.js';
import { PolynomialEvaluator } from '../src/ckks/circuits/polynomial/index.js';
import type { ThreadPool } from '../src/ckks/parallel/index.js';

const LOG_N = 15;
const DIM = 256;
const SCALE = 2 ** 40;
/** p(y) = Σ c_i y^i. */
const COEFFS = [0.05, 0.9, -0.3, 0.25, -0.12, 0.08, -0.03, 0.01];

function mulberry(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

interface Problem {
  matrix: Float64Array; // row-major DIM × DIM
  x: Float64Array;
  expected: Float64Array; // p(M·x)
}

function problem(): Problem {
  const r = mulberry(2026);
  const matrix = Float64Array.from({ length: DIM * DIM }, () => r() / 16);
  const x = Float64Array.from({ length: DIM }, () => r());
  const expected = new Float64Array(DIM);
  for (let i = 0; i < DIM; i++) {
    let y = 0;
    for (let j = 0; j < DIM; j++) y += matrix[i * DIM + j]! * x[j]!;
    let p = 0;
    for (let k = COEFFS.length - 1; k >= 0; k--) p = p * y + COEFFS[k]!;
    expected[i] = p;
  }
  return { matrix, x, expected };
}

function maxError(got: ArrayLike<number>, want: Float64Array): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!));
  return e;
}

// ---- ours ----

interface Side {
  run: () => void;
  /** Runs once more and returns the max error against float64. */
  check: () => number;
  dispose: () => void;
}

function prepareOurs(pr: Problem, pool: ThreadPool | undefined): Side {
  const literal = { logN: LOG_N, logQ: [58, 40, 40, 40, 40], logP: [58, 58, 58, 58], dnum: 1, logDefaultScale: 40 };
  const ctx = new CkksContext(literal, pool === undefined ? {} : { pool });
  const encoder = new Encoder(ctx);
  const transform = LinearTransform.create(encoder, cyclicMatrixDiagonals({ rows: DIM, cols: DIM, values: pr.matrix }), { hoisting: 'mixed' });
  const kg = new KeyGenerator(ctx);
  const sk = kg.secretKey();
  const evaluator = new Evaluator(ctx, { relinearizationKey: kg.relinearizationKey(sk), galoisKeys: kg.galoisKeys(sk, transform.rotationSteps()) });
  const polynomials = new PolynomialEvaluator(evaluator);
  const ct = new Encryptor(ctx).encryptPublic(encoder.encode(pr.x, { slots: DIM }), kg.publicKey(sk));
  const decryptor = new Decryptor(ctx, sk);
  const once = (): Ciphertext => polynomials.evaluate(transform.evaluate(evaluator, ct, { rescale: true }), { basis: 'monomial', coefficients: COEFFS });
  return {
    run: () => void once(),
    check: () => maxError(encoder.decodeReal(decryptor.decrypt(once())), pr.expected),
    dispose: () => undefined,
  };
}

// ---- node-seal (a narrow facade over the parts of its API used here) ----

interface Deletable { delete(): void }
type SealParmsId = unknown;
interface SealCipher extends Deletable { readonly parmsId: SealParmsId; readonly coeffModulusSize: number; setScale(scale: number): void }
type SealPlain = Deletable;
interface SealApi {
  readonly SchemeType: { readonly ckks: unknown };
  readonly SecurityLevel: { readonly tc128: unknown };
  readonly CoeffModulus: { Create(n: number, bits: Int32Array): Deletable };
  EncryptionParameters(scheme: unknown): Deletable & { setPolyModulusDegree(n: number): void; setCoeffModulus(m: Deletable): void; readonly coeffModulus: BigUint64Array };
  Context(p: Deletable, expand: boolean, level: unknown): Deletable & { parametersSet(): boolean; toHuman(): string };
  KeyGenerator(c: Deletable): Deletable & { secretKey(): Deletable; createPublicKey(): Deletable; createRelinKeys(): Deletable; createGaloisKeys(steps: Int32Array): Deletable };
  CKKSEncoder(c: Deletable): Deletable & { encode(values: Float64Array, scale: number, out: SealPlain): void; decode(p: SealPlain): Float64Array };
  Encryptor(c: Deletable, pk: Deletable): Deletable & { encrypt(p: SealPlain, out: SealCipher): void };
  Decryptor(c: Deletable, sk: Deletable): Deletable & { decrypt(c: SealCipher, out: SealPlain): void };
  Evaluator(c: Deletable): Deletable & {
    add(a: SealCipher, b: SealCipher, out: SealCipher): void;
    addPlain(a: SealCipher, p: SealPlain, out: SealCipher): void;
    multiply(a: SealCipher, b: SealCipher, out: SealCipher): void;
    multiplyPlain(a: SealCipher, p: SealPlain, out: SealCipher): void;
    relinearize(a: SealCipher, keys: Deletable, out: SealCipher): void;
    rescaleToNext(a: SealCipher, out: SealCipher): void;
    rotateVector(a: SealCipher, steps: number, keys: Deletable, out: SealCipher): void;
    cipherModSwitchTo(a: SealCipher, parms: SealParmsId, out: SealCipher): void;
    plainModSwitchTo(p: SealPlain, parms: SealParmsId, out: SealPlain): void;
  };
  CipherText(): SealCipher;
  PlainText(): SealPlain;
}

async function prepareSeal(pr: Problem): Promise<Side> {
  const seal = (await loadSeal()) as unknown as SealApi;
  const N = 2 ** LOG_N;
  const slots = N / 2;
  const owned: Deletable[] = [];
  const own = <T extends Deletable>(o: T): T => {
    owned.push(o);
    return o;
  };
  const parms = own(seal.EncryptionParameters(seal.SchemeType.ckks));
  parms.setPolyModulusDegree(N);
  parms.setCoeffModulus(own(seal.CoeffModulus.Create(N, Int32Array.from([50, 40, 40, 40, 40, 60]))));
  const context = own(seal.Context(parms, true, seal.SecurityLevel.tc128));
  if (!context.parametersSet()) throw new Error(`node-seal rejected the parameters: ${context.toHuman()}`);
  const kg = own(seal.KeyGenerator(context));
  const sk = own(kg.secretKey());
  const pk = own(kg.createPublicKey());
  const rk = own(kg.createRelinKeys());
  const n1 = 16;
  const steps = [...Array.from({ length: n1 - 1 }, (_, b) => b + 1), ...Array.from({ length: DIM / n1 - 1 }, (_, g) => (g + 1) * n1)];
  const gk = own(kg.createGaloisKeys(Int32Array.from(steps)));
  const encoder = own(seal.CKKSEncoder(context));
  const evaluator = own(seal.Evaluator(context));
  const encryptor = own(seal.Encryptor(context, pk));
  const decryptor = own(seal.Decryptor(context, sk));
  const replicate = (v: (i: number) => number): Float64Array => Float64Array.from({ length: slots }, (_, i) => v(i % DIM));
  const plain = (values: Float64Array, scale = SCALE): SealPlain => {
    const p = own(seal.PlainText());
    encoder.encode(values, scale, p);
    return p;
  };
  // the data primes q_1 … q_4 (q_0 = 60 bits stays): diagonals at scale q4, so the rescale after M·x returns Δ exactly
  const [q1, q2, q3, q4] = Array.from(parms.coeffModulus.slice(1, 5), Number) as [number, number, number, number];
  // pre-rotated diagonals: group g, baby b holds rot(d_{g·n1 + b}, −g·n1), d_k[i] = M[i][(i + k) mod n]
  const diagonals: SealPlain[][] = [];
  for (let g = 0; g < DIM / n1; g++) {
    diagonals.push(Array.from({ length: n1 }, (_, b) => {
      const k = g * n1 + b;
      return plain(replicate((i) => {
        const r = (((i - g * n1) % DIM) + DIM) % DIM;
        return pr.matrix[r * DIM + ((r + k) % DIM)]!;
      }), q4);
    }));
  }
  const x = own(seal.CipherText());
  encryptor.encrypt(plain(replicate((i) => pr.x[i]!)), x);
  // constants of p at the levels where they are used (plainModSwitchTo on first use, then cached)
  const constants = new Map<string, SealPlain>();
  const constant = (c: number, scale: number, at: SealCipher): SealPlain => {
    const key = `${c}@${scale}@${at.coeffModulusSize}`;
    let p = constants.get(key);
    if (p === undefined) {
      const top = own(seal.PlainText());
      encoder.encode(new Float64Array(slots).fill(c), scale, top);
      p = own(seal.PlainText());
      evaluator.plainModSwitchTo(top, at.parmsId, p);
      constants.set(key, p);
    }
    return p;
  };

  const once = (): SealCipher => {
    const temps: SealCipher[] = [];
    const ct = (): SealCipher => {
      const c = seal.CipherText();
      temps.push(c);
      return c;
    };
    try {
      const babies = [x];
      for (let b = 1; b < n1; b++) {
        const r = ct();
        evaluator.rotateVector(x, b, gk, r);
        babies.push(r);
      }
      let y: SealCipher | undefined;
      const term = ct();
      for (let g = 0; g < DIM / n1; g++) {
        const acc = ct();
        evaluator.multiplyPlain(babies[0]!, diagonals[g]![0]!, acc);
        for (let b = 1; b < n1; b++) {
          evaluator.multiplyPlain(babies[b]!, diagonals[g]![b]!, term);
          evaluator.add(acc, term, acc);
        }
        const low = ct();
        evaluator.rescaleToNext(acc, low); // scale Δ·q4/q4 = Δ
        if (g > 0) evaluator.rotateVector(low, g * n1, gk, low);
        if (y === undefined) y = low;
        else evaluator.add(y, low, y);
      }
      const Y = y!;
      Y.setScale(SCALE);
      // p(y), depth 3, with exact scales: each constant is encoded at the scale that lands its term on the target
      // scale exactly (S2 = Δ²/q3 and S4 = S2²/q2 are the scales of y² and y⁴); setScale only removes rounding
      const mulRelinRescale = (a: SealCipher, b: SealCipher, scale: number): SealCipher => {
        const r = ct();
        evaluator.multiply(a, b, r);
        evaluator.relinearize(r, rk, r);
        evaluator.rescaleToNext(r, r);
        r.setScale(scale);
        return r;
      };
      const timesConstant = (a: SealCipher, c: number, constantScale: number, scale: number): SealCipher => {
        const r = ct();
        evaluator.multiplyPlain(a, constant(c, constantScale, a), r);
        evaluator.rescaleToNext(r, r);
        r.setScale(scale);
        return r;
      };
      const S2 = (SCALE * SCALE) / q3;
      const S4 = (S2 * S2) / q2;
      const y2 = mulRelinRescale(Y, Y, S2);
      const y4 = mulRelinRescale(y2, y2, S4);
      const [c0, c1, c2, c3, c4, c5, c6, c7] = COEFFS as [number, number, number, number, number, number, number, number];
      const down = (a: SealCipher, to: SealCipher): SealCipher => {
        const r = ct();
        evaluator.cipherModSwitchTo(a, to.parmsId, r);
        return r;
      };
      /** a0 + a1·y + a2·y² + a3·y³ at scale L, two levels below y. */
      const part = (a0: number, a1: number, a2: number, a3: number, L: number): SealCipher => {
        const s3 = (L * q3 * q2) / (SCALE * S2);
        const t3 = mulRelinRescale(timesConstant(Y, a3, s3, (SCALE * s3) / q3), y2, L);
        const t2 = timesConstant(y2, a2, (L * q2) / S2, L);
        const t1 = down(timesConstant(Y, a1, (L * q3) / SCALE, L), t3);
        const s = ct();
        evaluator.add(t3, t2, s);
        evaluator.add(s, t1, s);
        evaluator.addPlain(s, constant(a0, L, s), s);
        return s;
      };
      const low = part(c0, c1, c2, c3, SCALE);
      const high = part(c4, c5, c6, c7, (SCALE * q1) / S4);
      const out = mulRelinRescale(high, y4, SCALE);
      const lowDown = down(low, out);
      const result = seal.CipherText();
      evaluator.add(out, lowDown, result);
      return result;
    } finally {
      for (const t of temps) t.delete();
    }
  };
  return {
    run: () => once().delete(),
    check: () => {
      const r = once();
      const p = seal.PlainText();
      decryptor.decrypt(r, p);
      const values = encoder.decode(p);
      p.delete();
      r.delete();
      return maxError(values, pr.expected);
    },
    dispose: () => {
      for (let i = owned.length - 1; i >= 0; i--) owned[i]!.delete();
    },
  };
}

export interface WorkloadResult {
  workload: 'matvec256+poly7';
  threads: number;
  ratio: number;
  ours_ms: number;
  seal_ms: number;
  ours_max_abs_error: number;
  seal_max_abs_error: number;
}

/** Runs both sides interleaved (3 rounds with --quick, else 7) and returns the JSON-line record. */
export async function runWorkload(options: BenchOptions, threads: number, pool: ThreadPool | undefined): Promise<WorkloadResult> {
  const pr = problem();
  const ours = prepareOurs(pr, pool);
  const seal = await prepareSeal(pr);
  try {
    const oursError = ours.check();
    const sealError = seal.check();
    const m = interleavedMedians([['ours', ours.run], ['seal', seal.run]], options.quick ? 3 : 7);
    const oursMs = m.get('ours')!;
    const sealMs = m.get('seal')!;
    return {
      workload: 'matvec256+poly7', threads, ratio: Number((sealMs / oursMs).toFixed(3)), ours_ms: Number(oursMs.toFixed(1)), seal_ms: Number(sealMs.toFixed(1)),
      ours_max_abs_error: oursError, seal_max_abs_error: sealError,
    };
  } finally {
    seal.dispose();
    ours.dispose();
  }
}
