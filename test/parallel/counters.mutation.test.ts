// Split paths count their work like the single-threaded ones: for the same operations, a context with a 2-thread
// pool (cut-off 0: every job splits) reports the same decompositions and key switches as one without, and gives
// the same words. Covers the operations whose split path keeps its own counter (rotate, hoisted rotations with a
// step 0 and a repeated step, rotateSum / rotateSumExtended with a step 0, relinearize, relinearize-and-rescale).
// The split rotateSum / rotateSumExtended decompose inside their job and do not count those decompositions (only
// their key switches): for them only key switches are compared. Small insecure N = 2^5.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreadPool } from '../../src/ckks/parallel/index.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { Ciphertext, type ExtendedCiphertext } from '../../src/ckks/scheme/plaintext.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { KeySwitcher } from '../../src/ckks/scheme/keySwitch.js';
import { randomReals, seed } from '../scheme/helpers.js';
import { workerUrl } from '../support/workerScript.js';

const LITERAL = { logN: 5, logQ: [55, 40, 40], logP: [60, 60], logDefaultScale: 30, dnum: 2, insecure: true };

function twin(pool?: ThreadPool): { ev: Evaluator; x: Ciphertext; y: Ciphertext } {
  const ctx = new CkksContext(LITERAL, pool === undefined ? {} : { pool });
  const random = seededRandom(seed(5));
  const kg = new KeyGenerator(ctx, random);
  const sk = kg.secretKey();
  const ev = new Evaluator(ctx, { relinearizationKey: kg.relinearizationKey(sk), galoisKeys: kg.galoisKeys(sk, [1, 2, 3]) });
  const enc = new Encryptor(ctx, random);
  const encoder = new Encoder(ctx);
  return { ev, x: enc.encryptSecret(encoder.encode(randomReals(16, 1)), sk), y: enc.encryptSecret(encoder.encode(randomReals(16, 2)), sk) };
}

const words = (c: Ciphertext | ExtendedCiphertext) => (c instanceof Ciphertext ? c.parts : [c.c0, c.c1]).flatMap((p) => [...p.data]);

let pool: ThreadPool;
beforeAll(async () => {
  pool = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork: 0 });
});
afterAll(() => pool.dispose());

describe('counters and words with and without a pool (N = 2^5)', () => {
  const ops: [string, boolean, (t: ReturnType<typeof twin>) => (Ciphertext | ExtendedCiphertext)[]][] = [
    ['rotate', true, ({ ev, x }) => [ev.rotate(x, 1), ev.rotate(x, 3)]],
    ['hoisted rotations, steps ≡ 0 mod N/2 and a repeated step', true, ({ ev, x }) => [...ev.rotateHoisted(x, [0, 1, 16, 2, 1, -16]).values()]],
    ['hoisted extended rotations, steps ≡ 0 mod N/2 and a repeated step', true, ({ ev, x }) => [...ev.rotateHoistedExtended(x, [2, 0, 3, 16, 2]).values()]],
    ['rotateSum with a step 0', false, ({ ev, x, y }) => [ev.rotateSum([{ ciphertext: x, steps: 0 }, { ciphertext: y, steps: 1 }, { ciphertext: x, steps: 2 }])]],
    ['rotateSumExtended with a step 0', false, ({ ev, x, y }) => [ev.rotateSumExtended([{ ciphertext: ev.liftExtended(x), steps: 3 }, { ciphertext: ev.liftExtended(y), steps: 0 }])]],
    ['relinearize and relinearize-rescale', true, ({ ev, x, y }) => [ev.relinearize(ev.mulNoRelin(x, y)), ev.relinearizeRescale(ev.mulNoRelin(x, y))]],
  ];
  it.each(ops)('%s', (_name, countsDecompositions, op) => {
    const one = twin();
    const two = twin(pool);
    const jobs = pool.counters.jobs;
    const a = op(one);
    const b = op(two);
    expect(pool.counters.jobs).toBeGreaterThan(jobs);
    expect(two.ev.keySwitchCounters.keySwitches).toBe(one.ev.keySwitchCounters.keySwitches);
    if (countsDecompositions) expect(two.ev.keySwitchCounters.decompositions).toBe(one.ev.keySwitchCounters.decompositions);
    expect(one.ev.keySwitchCounters.keySwitches).toBeGreaterThan(0);
    expect(b.length).toBe(a.length);
    a.forEach((c, i) => expect(words(b[i]!)).toEqual(words(c)));
  });
});

describe('split ModDown and ModDown-rescale give the same words as one thread (N = 2^5)', () => {
  it('modDown and modDownRescale of a polynomial over Q_2 ∪ P', () => {
    const one = new CkksContext(LITERAL);
    const two = new CkksContext(LITERAL, { pool });
    const n = one.ringDegree;
    const basis = one.levelBasisQP(2);
    const words = basis.moduli.flatMap((m, l) => Array.from({ length: n }, (_, j) => (BigInt(l * 7919 + j * 104729) * 65537n) % m.value));
    const poly = (ctx: CkksContext) => new RnsPoly(ctx.levelBasisQP(2), 'evaluation', BigUint64Array.from(words));
    const sharedPoly = (ctx: CkksContext) => { const p = new RnsPoly(ctx.levelBasisQP(2), 'evaluation'); p.data.set(words); return p; };
    const ks1 = new KeySwitcher(one), ks2 = new KeySwitcher(two);
    const jobs = pool.counters.jobs;
    expect([...ks2.modDownRescale(sharedPoly(two), 2).data]).toEqual([...ks1.modDownRescale(poly(one), 2).data]);
    expect([...ks2.modDown(sharedPoly(two), 2).data]).toEqual([...ks1.modDown(poly(one), 2).data]);
    expect(pool.counters.jobs).toBeGreaterThan(jobs);
  });
});
