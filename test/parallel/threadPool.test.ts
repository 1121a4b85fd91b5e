// ThreadPool (src/ckks/parallel): every split path is bit-identical to the single-threaded one. Two twin fixtures are
// built from the same seed — one context without a pool, one with a 2-thread pool whose cut-off is 0 (every job
// splits, however small) — and every operation's output words are compared. Small insecure N = 2^10/2^11 keeps it
// fast; the workers run the current sources, transpiled by test/support/workerScript.ts. The pool is disposed in
// afterAll (and its workers are unref'd), so vitest exits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreadPool, threadSupport } from '../../src/ckks/parallel/index.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import type { ParametersLiteral } from '../../src/ckks/scheme/parameters.js';
import { Ciphertext, ExtendedCiphertext } from '../../src/ckks/scheme/plaintext.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { LinearTransform, matrixDiagonals } from '../../src/ckks/circuits/linearTransform/index.js';
import { PolynomialEvaluator } from '../../src/ckks/circuits/polynomial/index.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { maxError, randomReals, seed } from '../scheme/helpers.js';
import { workerUrl } from '../support/workerScript.js';
import { deserializeGaloisKey, deserializeRelinearizationKey, serializeGaloisKey, serializeRelinearizationKey } from '../../src/ckks/serialization/index.js';
import { galoisElementForRotation } from '../../src/ckks/ring/automorphism.js';
import { rotateSumTuning } from '../../src/ckks/parallel/schemeJobs.js';
import { toMontgomeryForm } from '../../src/ckks/scheme/keys.js';
import { KeySwitcher } from '../../src/ckks/scheme/keySwitch.js';

interface Twin {
  ctx: CkksContext;
  encoder: Encoder;
  evaluator: Evaluator;
  decryptor: Decryptor;
  encrypt(values: Float64Array, slots?: number): Ciphertext;
}

const ROTATIONS = [1, 2, 3, 5, 16, -1];

function twin(literal: ParametersLiteral, pool?: ThreadPool): Twin {
  const ctx = new CkksContext({ ...literal, insecure: true }, pool === undefined ? {} : { pool });
  const random = seededRandom(seed(42));
  const keygen = new KeyGenerator(ctx, random);
  const sk = keygen.secretKey();
  const pk = keygen.publicKey(sk);
  const evaluator = new Evaluator(ctx, { relinearizationKey: keygen.relinearizationKey(sk), galoisKeys: keygen.galoisKeys(sk, ROTATIONS, true) });
  const encoder = new Encoder(ctx);
  const encryptor = new Encryptor(ctx, random);
  return { ctx, encoder, evaluator, decryptor: new Decryptor(ctx, sk), encrypt: (v, slots) => encryptor.encryptPublic(encoder.encode(v, slots === undefined ? {} : { slots }), pk) };
}

function words(x: Ciphertext | ExtendedCiphertext | RnsPoly): bigint[] {
  if (x instanceof RnsPoly) return [...x.data];
  const parts = x instanceof Ciphertext ? x.parts : [x.c0, x.c1];
  return parts.flatMap((p) => [...p.data]);
}

function expectSame(a: Ciphertext | ExtendedCiphertext | RnsPoly, b: Ciphertext | ExtendedCiphertext | RnsPoly): void {
  const wa = words(a);
  const wb = words(b);
  expect(wb.length).toBe(wa.length);
  let differing = 0;
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) differing++;
  expect(differing).toBe(0);
  if (!(a instanceof RnsPoly) && !(b instanceof RnsPoly)) expect(b.scale).toBe(a.scale);
}

const PARAMETER_SETS: [string, ParametersLiteral][] = [
  // one special prime, one prime per digit (SEAL's shape)
  ['dnum = L + 1, |P| = 1', { logN: 10, logQ: [50, 40, 40, 40], logP: [55], logDefaultScale: 40 }],
  // several special primes and multi-prime digits (every conversion has several source primes)
  ['dnum = 2, |P| = 2', { logN: 11, logQ: [45, 35, 35, 35, 35], logP: [60, 60], logDefaultScale: 35, dnum: 2 }],
];

let pool: ThreadPool;

beforeAll(async () => {
  pool = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork: 0 });
});

afterAll(() => {
  pool.dispose();
});

describe.each(PARAMETER_SETS)('split jobs are bit-identical to one thread (%s)', (_name, literal) => {
  let one: Twin;
  let two: Twin;
  let x: [Ciphertext, Ciphertext];
  let y: [Ciphertext, Ciphertext];
  const values = randomReals(256, 7);
  const others = randomReals(256, 8);

  beforeAll(() => {
    one = twin(literal);
    two = twin(literal, pool);
    x = [one.encrypt(values), two.encrypt(values)];
    y = [one.encrypt(others), two.encrypt(others)];
  });

  it('keys, encoding and encryption (their NTTs split) come out the same, in shared memory', () => {
    expect(pool.threads).toBe(2);
    expectSame(x[0], x[1]);
    expect(x[1].parts[0]!.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(x[0].parts[0]!.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it('encodeOperand (one unit per limb) equals encode/encodeExtended then Montgomery form, at every level, Q and Q ∪ P', () => {
    for (let level = one.ctx.maxLevel; level >= 0; level--) {
      for (const extended of [false, true]) {
        const options = { level, scale: 2 ** 30, slots: 256 };
        const reference = toMontgomeryForm(extended ? one.encoder.encodeExtended(values, options) : one.encoder.encode(values, options).poly);
        const before = pool.counters.jobs;
        const split = two.encoder.encodeOperand(values, { ...options, extended });
        expect(pool.counters.jobs - before).toBe(1);
        expectSame(reference, split);
        expectSame(reference, one.encoder.encodeOperand(values, { ...options, extended }));
        expect(split.form).toBe('evaluation');
        expect(split.montgomery).toBe(true);
      }
    }
    // a coefficient ≥ 2^64 takes the BigInt path on one thread, with the same result
    const big = { level: one.ctx.maxLevel, scale: 2 ** 66, slots: 4, extended: true };
    const v = [3, -2.5, 1, 0.25];
    expectSame(toMontgomeryForm(one.encoder.encodeExtended(v, big)), two.encoder.encodeOperand(v, big));
  });

  it('key generation (digits and limbs split across threads) gives the same keys and seeds from the same randomness', () => {
    const keys = (ctx: CkksContext) => {
      const kg = new KeyGenerator(ctx, seededRandom(seed(43)));
      const sk = kg.secretKey();
      const before = pool.counters.jobs;
      const relin = kg.relinearizationKey(sk);
      const relinJobs = pool.counters.jobs - before;
      // six keys: two batches (GALOIS_BATCH = 4), then a single one
      const galois = kg.galoisKeys(sk, [1, 2, 3, 5, 7], true);
      const single = kg.galoisKey(sk, 5 ** 3);
      return { relin, galois: [...galois.values(), single], jobs: [relinJobs, pool.counters.jobs - before - relinJobs] };
    };
    const a = keys(one.ctx);
    const b = keys(two.ctx);
    expect(a.jobs).toEqual([0, 0]);
    expect(b.jobs).toEqual([1, 3]);
    expect(b.galois.map((k) => k.galoisElement)).toEqual(a.galois.map((k) => k.galoisElement));
    for (const [x, y] of [[a.relin, b.relin], ...a.galois.map((k, i) => [k, b.galois[i]!])] as const) {
      expect([...y.seed!]).toEqual([...x.seed!]);
      expect(y.b.length).toBe(x.b.length);
      x.b.forEach((p, j) => {
        expectSame(p, y.b[j]!);
        expectSame(x.a[j]!, y.a[j]!);
        expect(y.b[j]!.montgomery && y.a[j]!.montgomery).toBe(true);
        expect(y.b[j]!.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      });
    }
  });

  it('key switching from a finished decomposition (applyKey) and in one job with it (switchKey) gives the same words', () => {
    const keyFor = (ctx: CkksContext) => {
      const kg = new KeyGenerator(ctx, seededRandom(seed(44)));
      return kg.relinearizationKey(kg.secretKey());
    };
    const [k1, k2] = [keyFor(one.ctx), keyFor(two.ctx)];
    const [s1, s2] = [new KeySwitcher(one.ctx), new KeySwitcher(two.ctx)];
    for (const level of [one.ctx.maxLevel, 1]) {
      const [d1, d2] = [one.evaluator.dropLevels(x[0], one.ctx.maxLevel - level).parts[1]!, two.evaluator.dropLevels(x[1], one.ctx.maxLevel - level).parts[1]!];
      const reference = s1.applyKey(s1.decompose(d1), k1);
      let before = pool.counters.jobs;
      const dec = s2.decompose(d2);
      const applied = s2.applyKey(dec, k2);
      expect(pool.counters.jobs - before).toBe(2);
      before = pool.counters.jobs;
      const switched = s2.switchKey(d2, k2);
      expect(pool.counters.jobs - before).toBe(1);
      for (const got of [applied, switched]) {
        expectSame(reference[0], got[0]);
        expectSame(reference[1], got[1]);
      }
    }
  });

  it('reading seeded keys (digits expanded in parallel), whole and restricted to lower levels', () => {
    const kg = new KeyGenerator(one.ctx, seededRandom(seed(77)));
    const sk = kg.secretKey();
    const bytes = serializeGaloisKey(kg.galoisKey(sk, galoisElementForRotation(3, one.ctx.ringDegree)));
    const relin = serializeRelinearizationKey(kg.relinearizationKey(sk));
    for (let level = one.ctx.maxLevel; level >= 0; level--) {
      const before = pool.counters.jobs;
      const k1 = deserializeGaloisKey(one.ctx, bytes, { level });
      const k2 = deserializeGaloisKey(two.ctx, bytes, { level });
      expect(k2.digitCount).toBe(k1.digitCount);
      k1.a.forEach((a, j) => expectSame(a, k2.a[j]!));
      k1.b.forEach((b, j) => expectSame(b, k2.b[j]!));
      if (k1.digitCount > 1) expect(pool.counters.jobs - before).toBe(1);
      const r1 = deserializeRelinearizationKey(one.ctx, relin, { level });
      const r2 = deserializeRelinearizationKey(two.ctx, relin, { level });
      r1.a.forEach((a, j) => expectSame(a, r2.a[j]!));
    }
  });

  it('multiply, relinearize, rescale, mulRelinRescale, mulPlain', () => {
    const before = pool.counters.jobs;
    const p1 = one.evaluator.mulNoRelin(x[0], y[0]);
    const p2 = two.evaluator.mulNoRelin(x[1], y[1]);
    expectSame(p1, p2);
    const r1 = one.evaluator.relinearize(p1);
    const r2 = two.evaluator.relinearize(p2);
    expectSame(r1, r2);
    const into = new Ciphertext(two.ctx, r2.parts.map((p) => new RnsPoly(p.basis, 'evaluation')), 1, r2.slots); // shared: the job writes there
    expect(two.evaluator.relinearize(p2, into)).toBe(into);
    expectSame(r1, into);
    expectSame(one.evaluator.rescale(r1), two.evaluator.rescale(r2));
    expectSame(one.evaluator.mulRelinRescale(x[0], y[0]), two.evaluator.mulRelinRescale(x[1], y[1]));
    const pt1 = one.encoder.encode(others);
    const pt2 = two.encoder.encode(others);
    expectSame(pt1.poly, pt2.poly);
    expectSame(one.evaluator.mulPlain(x[0], pt1), two.evaluator.mulPlain(x[1], pt2));
    // at level 1 (one digit fewer, a shorter basis)
    const low1 = one.evaluator.mulRelinRescale(one.evaluator.mulRelinRescale(x[0], y[0]), one.evaluator.rescale(one.evaluator.mulPlain(x[0], pt1)));
    const low2 = two.evaluator.mulRelinRescale(two.evaluator.mulRelinRescale(x[1], y[1]), two.evaluator.rescale(two.evaluator.mulPlain(x[1], pt2)));
    expectSame(low1, low2);
    expect(pool.counters.jobs - before).toBeGreaterThanOrEqual(10);
    // and the split result decrypts to the product
    const got = two.encoder.decode(two.decryptor.decrypt(two.evaluator.mulRelinRescale(x[1], y[1])));
    expect(maxError(got, values.map((v, i) => v * others[i]!))).toBeLessThan(1e-6);
  });

  it('operands from a context without a pool (not in shared memory) and outputs there', () => {
    const out1 = one.evaluator.relinearize(one.evaluator.mulNoRelin(x[0], y[0]));
    const out2 = new Ciphertext(two.ctx, out1.parts.map((p) => new RnsPoly(p.basis, 'evaluation')), 1, out1.slots); // not shared
    two.evaluator.relinearize(one.evaluator.mulNoRelin(x[0], y[0]), out2);
    expectSame(out1, out2);
    expectSame(one.evaluator.rotate(x[0], 3), two.evaluator.rotate(x[0], 3));
    const r = one.evaluator.rescale(out1);
    const rOut = new Ciphertext(two.ctx, r.parts.map((p) => new RnsPoly(p.basis, 'evaluation')), 1, r.slots);
    expectSame(r, two.evaluator.rescale(out1, rOut));
  });

  it('rotations: single, composed, hoisted, conjugation', () => {
    for (const s of [1, 5, -1, 7]) expectSame(one.evaluator.rotate(x[0], s), two.evaluator.rotate(x[1], s));
    expectSame(one.evaluator.conjugate(x[0]), two.evaluator.conjugate(x[1]));
    const steps = [0, 1, 2, 3, 16, 1, -1];
    const h1 = one.evaluator.rotateHoisted(x[0], steps);
    const h2 = two.evaluator.rotateHoisted(x[1], steps);
    expect([...h2.keys()]).toEqual([...h1.keys()]);
    for (const [s, c] of h1) expectSame(c, h2.get(s)!);
  });

  it('double hoisting: extended rotations, rotate-accumulate, ModDown of pairs', () => {
    const steps = [0, 2, 3, 5];
    const e1 = one.evaluator.rotateHoistedExtended(x[0], steps);
    const e2 = two.evaluator.rotateHoistedExtended(x[1], steps);
    for (const [s, c] of e1) expectSame(c, e2.get(s)!);
    const acc1 = one.evaluator.liftExtended(y[0]);
    const acc2 = two.evaluator.liftExtended(y[1]);
    one.evaluator.rotateAccumulateExtended(e1.get(2)!, 16, acc1);
    two.evaluator.rotateAccumulateExtended(e2.get(2)!, 16, acc2);
    expectSame(acc1, acc2);
    const sumTerms = (e: Map<number, ExtendedCiphertext>) => [{ ciphertext: e.get(3)!, steps: 16 }, { ciphertext: e.get(0)!, steps: 0 }, { ciphertext: e.get(5)!, steps: 1 }];
    expectSame(one.evaluator.rotateSumExtended(sumTerms(e1)), two.evaluator.rotateSumExtended(sumTerms(e2)));
    expectSame(one.evaluator.modDownExtended(acc1), two.evaluator.modDownExtended(acc2));
  });

  it('circuits on top: a BSGS linear transform (both hoistings) and a polynomial', () => {
    const slots = x[0].slots;
    const matrix = matrixDiagonals({ rows: 16, cols: 16, values: randomReals(256, 3) }, slots);
    for (const hoisting of ['single', 'double'] as const) {
      const t1 = LinearTransform.create(one.encoder, matrix, { hoisting });
      const t2 = LinearTransform.create(two.encoder, matrix, { hoisting });
      const keys = t1.rotationSteps();
      const kg1 = new KeyGenerator(one.ctx, seededRandom(seed(42)));
      const kg2 = new KeyGenerator(two.ctx, seededRandom(seed(42)));
      const sk1 = kg1.secretKey();
      const sk2 = kg2.secretKey();
      const ev1 = new Evaluator(one.ctx, { galoisKeys: kg1.galoisKeys(sk1, keys) });
      const ev2 = new Evaluator(two.ctx, { galoisKeys: kg2.galoisKeys(sk2, keys) });
      expectSame(t1.evaluate(ev1, x[0]), t2.evaluate(ev2, x[1]));
      if (hoisting === 'double') {
        // compact diagonals, encoded per use (on the pool with one unit per limb): the same words again
        const t3 = LinearTransform.create(two.encoder, matrix, { hoisting, compact: true });
        expectSame(t1.evaluate(ev1, x[0]), t3.evaluate(ev2, x[1]));
      }
    }
    // 'mixed' hoisting: plaintext products by (group, limb), giant steps as a rotation sum (one term per unit)
    const t1 = LinearTransform.create(one.encoder, matrix, { hoisting: 'mixed' });
    const t2 = LinearTransform.create(two.encoder, matrix, { hoisting: 'mixed' });
    const kg1 = new KeyGenerator(one.ctx, seededRandom(seed(43)));
    const kg2 = new KeyGenerator(two.ctx, seededRandom(seed(43)));
    const ev1 = new Evaluator(one.ctx, { galoisKeys: kg1.galoisKeys(kg1.secretKey(), t1.rotationSteps()) });
    const ev2 = new Evaluator(two.ctx, { galoisKeys: kg2.galoisKeys(kg2.secretKey(), t2.rotationSteps()) });
    expectSame(t1.evaluate(ev1, x[0]), t2.evaluate(ev2, x[1]));
    // sparse slots: the diagonals stored one word per run of N/(2·slots) equal entries (blockLog 2)
    const sparse = slots / 4;
    const m4 = matrixDiagonals({ rows: 16, cols: 16, values: randomReals(256, 4) }, sparse);
    const s1 = LinearTransform.create(one.encoder, m4, { hoisting: 'mixed' });
    const s2 = LinearTransform.create(two.encoder, m4, { hoisting: 'mixed' });
    expect(s2.encodedBytes).toBe(s1.encodedBytes);
    const kgs1 = new KeyGenerator(one.ctx, seededRandom(seed(44)));
    const kgs2 = new KeyGenerator(two.ctx, seededRandom(seed(44)));
    const evs1 = new Evaluator(one.ctx, { galoisKeys: kgs1.galoisKeys(kgs1.secretKey(), s1.rotationSteps()) });
    const evs2 = new Evaluator(two.ctx, { galoisKeys: kgs2.galoisKeys(kgs2.secretKey(), s2.rotationSteps()) });
    const v = randomReals(sparse, 9);
    expectSame(s1.evaluate(evs1, one.encrypt(v, sparse)), s2.evaluate(evs2, two.encrypt(v, sparse)));
    const terms = (i: 0 | 1) => [{ ciphertext: x[i], steps: 0 }, { ciphertext: y[i], steps: 5 }, { ciphertext: x[i], steps: -1 }];
    expectSame(one.evaluator.rotateSum(terms(0)), two.evaluator.rotateSum(terms(1)));
    // rotateSumRescale on terms at scale Δ·q_ℓ (as a transform's giant groups are)
    const raised = (i: 0 | 1) => terms(i).map(({ ciphertext, steps }) => ({ ciphertext: [one, two][i]!.evaluator.mulConstant(ciphertext, 0.5), steps }));
    expectSame(one.evaluator.rotateSumRescale(raised(0)), two.evaluator.rotateSumRescale(raised(1)));
    // the split rotateSum decomposes its terms in batches that reuse one set of digits: batches of 1 and of 2 terms
    const saved = rotateSumTuning.batchBytes;
    try {
      const many = (i: 0 | 1) => [...terms(i), { ciphertext: y[i], steps: 2 }, { ciphertext: x[i], steps: 16 }];
      const whole = one.evaluator.rotateSum(many(0));
      for (const termsPerBatch of [1, 2]) {
        const level = x[1].level;
        const perTerm = (two.ctx.params.digits.filter(([start]) => start <= level).length * two.ctx.levelBasisQP(level).size + level + 1) * two.ctx.ringDegree * 8;
        rotateSumTuning.batchBytes = termsPerBatch * perTerm;
        expectSame(whole, two.evaluator.rotateSum(many(1)));
      }
    } finally {
      rotateSumTuning.batchBytes = saved;
    }
    expectSame(t1.evaluate(ev1, x[0], { rescale: true }), t2.evaluate(ev2, x[1], { rescale: true }));
    const poly = { basis: 'chebyshev' as const, coefficients: [0.1, 0.5, -0.25, 0.125, 0.3] };
    expectSame(new PolynomialEvaluator(one.evaluator).evaluate(x[0], poly), new PolynomialEvaluator(two.evaluator).evaluate(x[1], poly));
  });
});

describe('ThreadPool', () => {
  it('NTTs of a shared polynomial split by limbs, same words', () => {
    const ctx = new CkksContext({ logN: 10, logQ: [50, 40, 40, 40], logP: [55], logDefaultScale: 40, insecure: true }, { pool });
    const shared = RnsPoly.fromCoefficients(ctx.basisQP, Array.from({ length: 1024 }, (_, i) => BigInt(i * i - 7000)));
    const plain = new RnsPoly(ctx.basisQP, 'coefficient', shared.data.slice()); // given words: not shared
    expect(shared.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    const before = pool.counters.jobs;
    shared.toEvaluation();
    expect(pool.counters.jobs).toBe(before + 1);
    // the same transform on one thread: a polynomial whose words are not shared is never split
    expectSame(plain.toEvaluation(), shared);
    expect(pool.counters.jobs).toBe(before + 1);
    expectSame(plain.toCoefficient(), shared.toCoefficient());
  });

  it('the worker takes its share of a job (units claimed dynamically)', () => {
    const f = twin({ logN: 12, logQ: [50, 40, 40, 40], logP: [55], logDefaultScale: 40 }, pool);
    const x = f.encrypt(randomReals(64, 3));
    const before = { ...pool.counters };
    for (let r = 0; r < 3; r++) f.evaluator.rotateHoisted(x, ROTATIONS);
    expect(pool.counters.units - before.units).toBeGreaterThanOrEqual(3 * (ROTATIONS.length + 4));
    expect(pool.counters.workerUnits - before.workerUnits).toBeGreaterThan(0);
  });

  it('three threads (two workers) give the same words too', async () => {
    const p3 = await ThreadPool.create({ threads: 3, workerUrl: workerUrl(), minParallelWork: 0 });
    try {
      const literal = PARAMETER_SETS[1]![1];
      const f1 = twin(literal);
      const f3 = twin(literal, p3);
      const v = randomReals(64, 9);
      const [a1, a3] = [f1.encrypt(v), f3.encrypt(v)];
      expectSame(a1, a3);
      expectSame(f1.evaluator.mulRelinRescale(a1, a1), f3.evaluator.mulRelinRescale(a3, a3));
      const h1 = f1.evaluator.rotateHoisted(a1, ROTATIONS);
      const h3 = f3.evaluator.rotateHoisted(a3, ROTATIONS);
      for (const [s, c] of h1) expectSame(c, h3.get(s)!);
      expect(p3.threads).toBe(3);
    } finally {
      p3.dispose();
    }
  });

  it('below the cut-off jobs stay on the calling thread', async () => {
    const small = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork: 1e12 });
    try {
      const f = twin(PARAMETER_SETS[0]![1], small);
      const x = f.encrypt(randomReals(16, 1));
      f.evaluator.rotate(f.evaluator.mulRelinRescale(x, x), 1);
      expect(small.counters.jobs).toBe(0);
      small.minParallelWork = 0;
      f.evaluator.rotate(x, 1);
      expect(small.counters.jobs).toBe(1); // the decomposition, key product, ModDowns and automorphisms in one job
      f.evaluator.relinearize(f.evaluator.mulNoRelin(x, x));
      f.evaluator.mulRelinRescale(x, x);
      expect(small.counters.jobs).toBe(1 + 2 + 2); // each: the tensor product, then decomposition + key switch
    } finally {
      small.dispose();
    }
  });

  it('a unit that fails raises an error on the calling thread, and the pool goes on working', () => {
    const ctx = new CkksContext({ logN: 10, logQ: [50, 40], logP: [55], logDefaultScale: 40, insecure: true }, { pool });
    const job = pool.job(ctx, Infinity)!;
    const p = new RnsPoly(ctx.basisQP, 'evaluation');
    const ref = job.ref(p);
    job.phase([0, 1, 2, 3].map((limb) => ({ op: 'ntt', p: { b: ref.b + 5, o: 0 }, limb, prime: 0, inverse: false })));
    expect(() => job.run()).toThrow(/parallel job failed: RangeError: parallel: unknown buffer/);
    const ok = new RnsPoly(ctx.basisQP, 'coefficient');
    ok.toEvaluation();
    expect([...ok.data].every((v) => v === 0n)).toBe(true);
  });

  it('threads: 1 starts no worker; dispose (and Symbol.dispose) end the workers, work goes on on one thread', async () => {
    const single = await ThreadPool.create();
    expect(single.threads).toBe(1);
    expect(single.splits(Infinity)).toBe(false);
    const p = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork: 0 });
    const f = twin(PARAMETER_SETS[0]![1], p);
    const g = twin(PARAMETER_SETS[0]![1]);
    const x = f.encrypt(randomReals(16, 2));
    const dispose = (p as unknown as Record<symbol, () => void>)[(Symbol as { dispose?: symbol }).dispose ?? Symbol('none')];
    expect(typeof dispose).toBe('function');
    dispose!.call(p);
    expect(p.disposed).toBe(true);
    expect(p.splits(Infinity)).toBe(false);
    expectSame(g.evaluator.rotate(g.encrypt(randomReals(16, 2)), 1), f.evaluator.rotate(x, 1));
    p.dispose(); // idempotent
  });

  it('from compiled JavaScript (as in dist/) the pool finds worker.js next to itself', () => {
    // a separate Node process loads the compiled modules and starts a pool without workerUrl
    const root = fileURLToPath(new URL('..', workerUrl()));
    const script = `
      const { ThreadPool } = await import(${JSON.stringify(`${root}parallel/pool.js`)});
      const { CkksContext } = await import(${JSON.stringify(`${root}scheme/context.js`)});
      const { KeyGenerator } = await import(${JSON.stringify(`${root}scheme/keyGenerator.js`)});
      const { Evaluator } = await import(${JSON.stringify(`${root}scheme/evaluator.js`)});
      const { Encoder } = await import(${JSON.stringify(`${root}scheme/encoder.js`)});
      const { Encryptor } = await import(${JSON.stringify(`${root}scheme/encryptor.js`)});
      const pool = await ThreadPool.create({ threads: 2, minParallelWork: 0 });
      const ctx = new CkksContext({ logN: 10, logQ: [50, 40], logP: [55], logDefaultScale: 40, insecure: true }, { pool });
      const kg = new KeyGenerator(ctx);
      const sk = kg.secretKey();
      const ev = new Evaluator(ctx, { galoisKeys: kg.galoisKeys(sk, [1]) });
      const ct = new Encryptor(ctx).encryptPublic(new Encoder(ctx).encode([1, 2, 3]), kg.publicKey(sk));
      for (let i = 0; i < 20; i++) ev.rotate(ct, 1);
      console.log(pool.threads, pool.counters.jobs > 0, pool.counters.workerUnits >= 0);
      pool.dispose();`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toBe('2 true true');
  });

  it('a worker script that cannot start rejects create', async () => {
    await expect(ThreadPool.create({ threads: 2, workerUrl: new URL('file:///nonexistent/worker.js'), startTimeoutMs: 20_000 })).rejects.toThrow(/did not start/);
  });

  it('without SharedArrayBuffer or cross-origin isolation: one thread and a message naming the headers', async () => {
    expect(threadSupport()).toBeUndefined();
    const noSab = threadSupport({ Atomics: {}, Worker: () => 0 });
    expect(noSab).toMatch(/SharedArrayBuffer is not available/);
    expect(noSab).toMatch(/Cross-Origin-Opener-Policy: same-origin/);
    expect(noSab).toMatch(/Cross-Origin-Embedder-Policy: require-corp/);
    const notIsolated = threadSupport({ SharedArrayBuffer, Atomics, Worker: () => 0, crossOriginIsolated: false });
    expect(notIsolated).toMatch(/not cross-origin isolated/);
    expect(threadSupport({ SharedArrayBuffer, Atomics, crossOriginIsolated: true })).toMatch(/no Worker/);
    const g = globalThis as { crossOriginIsolated?: boolean };
    g.crossOriginIsolated = false; // as on a page served without the two headers
    const messages: string[] = [];
    try {
      const p = await ThreadPool.create({ threads: 4, onFallback: (m) => messages.push(m) });
      expect(p.threads).toBe(1);
      expect(p.fallbackReason).toMatch(/cross-origin isolated/);
      expect(messages).toEqual([p.fallbackReason]);
    } finally {
      delete g.crossOriginIsolated;
    }
  });
});
