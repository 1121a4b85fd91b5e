// SharedBufferRecycler (src/ckks/parallel/recycler.ts) on its own, and the thread pool's use of it: released
// temporaries serve later allocations, and every result stays bit-identical to a context without a pool (a buffer
// handed back while still in use would be overwritten by its next owner and change the words). Small insecure
// N = 2^10 parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedBufferRecycler } from '../../src/ckks/parallel/recycler.js';
import { ThreadPool } from '../../src/ckks/parallel/index.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import type { ParametersLiteral } from '../../src/ckks/scheme/parameters.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { LinearTransform, matrixDiagonals } from '../../src/ckks/circuits/linearTransform/index.js';
import { PolynomialEvaluator } from '../../src/ckks/circuits/polynomial/index.js';
import { randomReals, seed } from '../scheme/helpers.js';
import { workerUrl } from '../support/workerScript.js';

describe('SharedBufferRecycler', () => {
  it('serves a released buffer of the same size, zeroed; other sizes get fresh memory', () => {
    const r = new SharedBufferRecycler(1 << 20);
    const a = r.allocate(64);
    expect(a.fresh).toBe(true);
    expect(a.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    a.data.fill(0xdeadbeefn);
    expect(r.release(a.data)).toBe(true);
    expect(r.held).toBe(512);
    const other = r.allocate(32);
    expect(other.fresh).toBe(true);
    const b = r.allocate(64);
    expect(b.fresh).toBe(false);
    expect(b.data.buffer).toBe(a.data.buffer);
    expect([...b.data].every((w) => w === 0n)).toBe(true);
    expect(r.held).toBe(0);
    expect(r.counters).toEqual({ reused: 1, fresh: 2, evicted: 0 });
  });

  it('last released, first served', () => {
    const r = new SharedBufferRecycler(1 << 20);
    const first = r.allocate(8).data;
    const second = r.allocate(8).data;
    r.release(first);
    r.release(second);
    expect(r.allocate(8).data.buffer).toBe(second.buffer);
    expect(r.allocate(8).data.buffer).toBe(first.buffer);
  });

  it('refuses what it did not allocate, views into a buffer, and anything past maxBytes', () => {
    const r = new SharedBufferRecycler(1024);
    expect(r.release(new BigUint64Array(16))).toBe(false);
    expect(r.release(new BigUint64Array(new SharedArrayBuffer(128)))).toBe(false);
    const whole = r.allocate(16).data;
    expect(r.release(whole.subarray(0, 8))).toBe(false);
    expect(r.release(whole.subarray(8))).toBe(false);
    expect(r.held).toBe(0);
    const big = r.allocate(200).data; // 1600 bytes > 1024
    expect(r.release(big)).toBe(false);
    expect(r.release(whole)).toBe(true);
    const more = r.allocate(100).data; // 800 bytes: 128 + 800 ≤ 1024
    expect(r.release(more)).toBe(true);
    const third = r.allocate(16).data; // takes `whole` back
    expect(third.buffer).toBe(whole.buffer);
    expect(r.held).toBe(800);
    expect(r.release(r.allocate(20).data)).toBe(true); // 800 + 160 ≤ 1024
    expect(r.release(new SharedBufferRecycler(1 << 20).allocate(4).data)).toBe(false); // another recycler's
    expect(r.held).toBe(960);
  });

  it('past maxBytes the buffers held longest make room (a walk down the levels keeps the sizes still in use)', () => {
    const r = new SharedBufferRecycler(1024);
    const [a, b, c] = [r.allocate(32).data, r.allocate(32).data, r.allocate(48).data]; // 256, 256, 384 bytes
    expect([r.release(a), r.release(b), r.release(c)]).toEqual([true, true, true]);
    expect(r.held).toBe(896);
    const d = r.allocate(24).data; // 192 bytes: 896 + 192 > 1024, so `a` (held longest) goes
    expect(r.release(d)).toBe(true);
    expect(r.counters.evicted).toBe(1);
    expect(r.held).toBe(832);
    expect(r.allocate(32).data.buffer).toBe(b.buffer); // `b` is still there, `a` is not
    expect(r.allocate(32).fresh).toBe(true);
    expect(r.allocate(48).data.buffer).toBe(c.buffer);
    expect(r.allocate(24).data.buffer).toBe(d.buffer);
    expect(r.held).toBe(0);
    // a release larger than the whole bound is refused without dropping what is held
    const e = r.allocate(16).data;
    r.release(e);
    expect(r.release(r.allocate(200).data)).toBe(false);
    expect(r.held).toBe(128);
    expect(r.counters.evicted).toBe(1);
    // one release may evict several smaller buffers, oldest first
    const small = [r.allocate(64).data, r.allocate(64).data, r.allocate(32).data];
    for (const x of small) r.release(x); // 128 + 512 + 512 > 1024: e goes first, then the first 64-word buffer
    expect(r.counters.evicted).toBe(3);
    expect(r.held).toBe(768);
    expect(r.allocate(16).fresh).toBe(true);
  });

  it('a buffer released twice is an error, not two owners later', () => {
    const r = new SharedBufferRecycler(1 << 20);
    const a = r.allocate(8).data;
    r.release(a);
    expect(() => r.release(a)).toThrow(RangeError);
  });

  it('clear drops everything held; maxBytes 0 keeps nothing; a negative bound is refused', () => {
    const r = new SharedBufferRecycler(1 << 20);
    const a = r.allocate(8).data;
    r.release(a);
    r.clear();
    expect(r.held).toBe(0);
    expect(r.allocate(8).fresh).toBe(true);
    const none = new SharedBufferRecycler(0);
    expect(none.release(none.allocate(8).data)).toBe(false);
    expect(() => new SharedBufferRecycler(-1)).toThrow(RangeError);
    expect(() => new SharedBufferRecycler(Number.NaN)).toThrow(RangeError);
  });
});

const LITERAL: ParametersLiteral = { logN: 10, logQ: [50, 40, 40, 40], logP: [55], logDefaultScale: 40, insecure: true };

interface Fixture { ctx: CkksContext; evaluator: Evaluator; x: Ciphertext; y: Ciphertext; transform: LinearTransform }

function fixture(pool?: ThreadPool): Fixture {
  const ctx = new CkksContext(LITERAL, pool === undefined ? {} : { pool });
  const random = seededRandom(seed(77));
  const keygen = new KeyGenerator(ctx, random);
  const sk = keygen.secretKey();
  const encoder = new Encoder(ctx);
  const transform = LinearTransform.create(encoder, matrixDiagonals({ rows: 16, cols: 16, values: randomReals(256, 5) }, ctx.params.maxSlots), { hoisting: 'mixed' });
  const evaluator = new Evaluator(ctx, { relinearizationKey: keygen.relinearizationKey(sk), galoisKeys: keygen.galoisKeys(sk, [...transform.rotationSteps(), 1, 3, 7], true) });
  const encryptor = new Encryptor(ctx, random);
  const pk = keygen.publicKey(sk);
  return { ctx, evaluator, transform, x: encryptor.encryptPublic(encoder.encode(randomReals(256, 1)), pk), y: encryptor.encryptPublic(encoder.encode(randomReals(256, 2)), pk) };
}

/** Every key-switching path that releases temporaries, twice over (the second round runs on reused buffers). */
function workload(f: Fixture): bigint[][] {
  const ev = f.evaluator;
  const out: Ciphertext[] = [];
  for (let round = 0; round < 2; round++) {
    out.push(ev.relinearize(ev.mulNoRelin(f.x, f.y)));
    out.push(ev.mulRelinRescale(f.x, f.y));
    out.push(ev.rotate(f.x, 1), ev.rotate(f.y, 10)); // 10 = 7 + 3: composed
    out.push(ev.conjugate(f.x));
    out.push(...ev.rotateHoisted(f.y, [1, 3, 7]).values());
    const ext = ev.rotateHoistedExtended(f.x, [0, 1, 3]);
    const acc = ev.liftExtended(f.y);
    ev.rotateAccumulateExtended(ext.get(1)!, 7, acc);
    out.push(ev.modDownExtended(ev.rotateSumExtended([{ ciphertext: ext.get(3)!, steps: 1 }, { ciphertext: acc, steps: 3 }])));
    out.push(ev.rotateSum([{ ciphertext: f.x, steps: 0 }, { ciphertext: f.y, steps: 7 }]));
    out.push(f.transform.evaluate(ev, f.x));
    out.push(f.transform.evaluate(ev, f.x, { rescale: true }));
    out.push(ev.rotateSumRescale([{ ciphertext: ev.mulConstant(f.x, 0.5), steps: 0 }, { ciphertext: ev.mulConstant(f.y, 2), steps: 3 }]));
    // the polynomial evaluator hands its intermediate ciphertexts back (circuits/temporaries.ts)
    out.push(new PolynomialEvaluator(ev).evaluate(f.x, { basis: 'monomial', coefficients: [0.05, 0.9, -0.3, 0.25, -0.12, 0.08, -0.03, 0.01] }));
    out.push(new PolynomialEvaluator(ev).evaluate(f.y, { basis: 'chebyshev', coefficients: [0.1, 0.5, -0.25, 0.125, 0.3] }));
  }
  return out.map((c) => c.parts.flatMap((p) => [...p.data]));
}

describe('the pool reuses released temporaries, results unchanged (small insecure N = 2^10)', () => {
  let expected: bigint[][];
  const pools: ThreadPool[] = [];

  beforeAll(() => {
    expected = workload(fixture());
  });

  afterAll(() => {
    for (const p of pools) p.dispose();
  });

  it.each([
    ['every job split (cut-off 0)', 0],
    ['no job split (the single-threaded paths, allocating in shared memory)', 1e12],
  ])('%s', async (_name, minParallelWork) => {
    const pool = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork });
    pools.push(pool);
    const got = workload(fixture(pool));
    expect(got.length).toBe(expected.length);
    got.forEach((words, i) => expect(words, `result ${i}`).toEqual(expected[i]));
    expect(pool.recycler.counters.reused).toBeGreaterThan(50);
    expect(pool.recycler.held).toBeLessThanOrEqual(pool.recycler.maxBytes);
    pool.collectGarbage();
    expect(pool.recycler.held).toBe(0);
  });

  it('a polynomial evaluation hands its temporaries back: a repeat allocates (almost) no fresh shared memory', async () => {
    const pool = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork: 0 });
    pools.push(pool);
    const f = fixture(pool);
    const polynomials = new PolynomialEvaluator(f.evaluator);
    const p = { basis: 'monomial' as const, coefficients: [0.05, 0.9, -0.3, 0.25, -0.12, 0.08, -0.03, 0.01] };
    const results = [polynomials.evaluate(f.x, p)];
    const fresh = pool.recycler.counters.fresh;
    results.push(polynomials.evaluate(f.x, p));
    // 2 polynomials of the kept result at most, against ≈ 40 temporaries of a degree-7 evaluation
    expect(pool.recycler.counters.fresh - fresh).toBeLessThanOrEqual(2);
    expect(results[1]!.parts.flatMap((q) => [...q.data])).toEqual(results[0]!.parts.flatMap((q) => [...q.data]));
  });

  it('operations given an `out` allocate no fresh shared memory once warm, with the same words as without `out`', async () => {
    const pool = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork: 0 });
    pools.push(pool);
    const f = fixture(pool);
    const ev = f.evaluator;
    const tensor = ev.mulNoRelin(f.x, f.y);
    const terms = [{ ciphertext: f.x, steps: 0 }, { ciphertext: f.y, steps: 7 }];
    const products = [{ ciphertext: ev.mulConstant(f.x, 0.5), steps: 0 }, { ciphertext: ev.mulConstant(f.y, 2), steps: 3 }];
    const keygen = new KeyGenerator(f.ctx, seededRandom(seed(78)));
    const pk = keygen.publicKey(keygen.secretKey());
    const pt = new Encoder(f.ctx).encode(randomReals(256, 3));
    // every operation with an `out` argument that runs a key switch (rotate by 10 = 7 + 3 is composed), and encryption
    const ops: [string, (out?: Ciphertext) => Ciphertext][] = [
      ['mul', (out) => ev.mul(f.x, f.y, out)],
      ['relinearize', (out) => ev.relinearize(tensor, out)],
      ['mulRelinRescale', (out) => ev.mulRelinRescale(f.x, f.y, out)],
      ['rotate', (out) => ev.rotate(f.x, 1, out)],
      ['rotate (composed)', (out) => ev.rotate(f.y, 10, out)],
      ['conjugate', (out) => ev.conjugate(f.x, out)],
      ['rotateSum', (out) => ev.rotateSum(terms, out)],
      ['rotateSumRescale', (out) => ev.rotateSumRescale(products, out)],
      // the same seed every time: the same ciphertext
      ['encryptPublic', (out) => new Encryptor(f.ctx, seededRandom(seed(79))).encryptPublic(pt, pk, out)],
    ];
    const expected = ops.map(([, op]) => op());
    const outs = expected.map((c) => c.clone());
    for (const c of outs) for (const p of c.parts) p.data.fill(0n);
    for (let round = 0; round < 3; round++) {
      const fresh = pool.recycler.counters.fresh;
      ops.forEach(([name, op], i) => {
        expect(op(outs[i]), name).toBe(outs[i]);
        expect(outs[i]!.parts.map((p) => [...p.data]), `${name}, round ${round}`).toEqual(expected[i]!.parts.map((p) => [...p.data]));
      });
      // round 0 warms the recycler up; afterwards every temporary and every intermediate result is reused memory
      if (round > 0) expect(pool.recycler.counters.fresh - fresh, `round ${round}`).toBe(0);
    }
    // encoding into an out plaintext likewise
    const encoder = new Encoder(f.ctx);
    const values = randomReals(256, 4);
    const wantPt = encoder.encode(values);
    const ptOut = encoder.encode(randomReals(256, 5));
    for (let round = 0; round < 3; round++) {
      const fresh = pool.recycler.counters.fresh;
      encoder.encode(values, {}, ptOut);
      expect([...ptOut.poly.data], `encode, round ${round}`).toEqual([...wantPt.poly.data]);
      if (round > 0) expect(pool.recycler.counters.fresh - fresh, `encode, round ${round}`).toBe(0);
    }
  });

  it('recycleBytes 0 turns reuse off; a negative value is refused', async () => {
    const pool = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork: 0, recycleBytes: 0 });
    pools.push(pool);
    const got = workload(fixture(pool));
    got.forEach((words, i) => expect(words, `result ${i}`).toEqual(expected[i]));
    expect(pool.recycler.counters.reused).toBe(0);
    await expect(ThreadPool.create({ threads: 1, recycleBytes: -1 })).rejects.toThrow(RangeError);
  });
});
