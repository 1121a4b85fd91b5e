// Operations that cannot give a right answer must refuse with a typed error, never return garbage (issue 10,
// items 3–6). Small insecure parameters (N = 2^10..2^11) unless a preset is named. Each case was a silent wrong
// result before: the comments say what came out.
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { minimumScale } from '../../src/ckks/scheme/checks.js';
import { galoisElementForRotation } from '../../src/ckks/ring/automorphism.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { fixture, maxError, randomReals, seed } from './helpers.js';

const SMALL = { logN: 10, logQ: [50, 40, 40], logP: [55], logDefaultScale: 40 };

describe('results too large for the remaining modulus are refused (small insecure N = 2^10)', () => {
  const F = fixture(SMALL, 41);
  const x = randomReals(F.ctx.params.maxSlots, 5);

  it('mul, mulNoRelin, mulPlain, mulConstant at level 0 (scale 2^80 against a 50-bit modulus) → DEPTH_EXHAUSTED', () => {
    const a = F.encrypt(x, 0);
    const pt = F.encoder.encode(x, { level: 0 });
    expectCkksError(() => F.evaluator.mul(a, a), 'DEPTH_EXHAUSTED');
    expectCkksError(() => F.evaluator.mulNoRelin(a, a), 'DEPTH_EXHAUSTED');
    expectCkksError(() => F.evaluator.mulPlain(a, pt), 'DEPTH_EXHAUSTED');
    expectCkksError(() => F.evaluator.mulConstant(a, 0.5), 'DEPTH_EXHAUSTED'); // default constant scale q_0
    // a product that fits is still allowed: scale 2^40 · 2^8 < 2^50 for an integer-scaled constant
    const small = F.evaluator.mulConstant(a, 3, { constantScale: 2 ** 7 }); // needs 40 + 7 + log2(3) + 1 ≈ 49.6 < 50 bits
    expect(maxError(F.decrypt(small), x.map((v) => 3 * v))).toBeLessThan(2 ** -20);
  });

  it('addConstant / mulConstant with a constant whose scaled value exceeds the modulus → DEPTH_EXHAUSTED (1e10 wrapped)', () => {
    const top = F.encrypt(x); // level 2, 130 bits
    const bottom = F.encrypt(x, 0); // level 0, 50 bits
    expectCkksError(() => F.evaluator.addConstant(bottom, 1e10), 'DEPTH_EXHAUSTED'); // 2^73 > 2^50
    expectCkksError(() => F.evaluator.addConstant(bottom, { re: 0, im: 1e10 }), 'DEPTH_EXHAUSTED');
    expectCkksError(() => F.evaluator.mulConstant(top, 2 ** 95, { constantScale: 1 }), 'DEPTH_EXHAUSTED'); // 2^40·2^95 needs 136 > 130 bits
    // at the top level (130 bits) the same constant is representable and correct
    expect(maxError(F.decrypt(F.evaluator.addConstant(top, 1e6)), x.map((v) => v + 1e6))).toBeLessThan(2 ** -12);
  });
});

describe('a rescale that would leave almost no precision is refused (mixed chains, issue 10.3)', () => {
  it(`a chain of 58-bit primes under a 2^45 scale [insecure N = 2^11]: scales 2^32 then 2^19 < 2^(11 + 8) → SCALE_OUT_OF_RANGE`, () => {
    const F = fixture({ logN: 11, logQ: [60, 58, 58, 58], logP: [60, 60], logDefaultScale: 45 }, 42);
    const x = randomReals(F.ctx.params.maxSlots, 6);
    const once = F.evaluator.mulRelinRescale(F.encrypt(x), F.encrypt(x)); // 2^90 / 2^58 = 2^32: still usable
    expect(Math.log2(once.scale)).toBeCloseTo(32, 0);
    expect(maxError(F.decrypt(once), x.map((v) => v * v))).toBeLessThan(2 ** -10);
    expect(minimumScale(F.ctx)).toBe(2 ** 19);
    expectCkksError(() => F.evaluator.mulRelinRescale(once, once), 'SCALE_OUT_OF_RANGE'); // 2^64 / 2^58 = 2^6
    expectCkksError(() => F.evaluator.rescale(F.evaluator.mul(once, once)), 'SCALE_OUT_OF_RANGE');
    expectCkksError(() => F.evaluator.setScale(once, 2 ** 10), 'SCALE_OUT_OF_RANGE');
  });
});

describe('operations check the parameter set of their operands (issue 10.5)', () => {
  // Same Q primes, a different special prime P: the ciphertext's residues are valid over Q, but keys and the
  // evaluator's key switching belong to another parameter set. Before, rotate/relinearize relabelled the result.
  const A = fixture(SMALL, 43, [1, 3], true);
  const otherP = new CkksContext({ logN: 10, Q: A.ctx.params.Q, logP: [58], logDefaultScale: 40, insecure: true });
  const kgB = new KeyGenerator(otherP, seededRandom(seed(44)));
  const skB = kgB.secretKey();
  const ctB = new Encryptor(otherP, seededRandom(seed(45))).encryptPublic(new Encoder(otherP).encode([1, 2, 3]), kgB.publicKey(skB));
  const ev = A.evaluator;

  it('rotate, rotateHoisted, rotateHoistedExtended, conjugate, relinearize, relinearizeRescale, innerSum → INCOMPATIBLE_PARAMETERS', () => {
    expect(otherP.params.Q).toEqual(A.ctx.params.Q);
    expectCkksError(() => ev.rotate(ctB, 1), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => ev.rotateHoisted(ctB, [1, 3]), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => ev.rotateHoistedExtended(ctB, [1, 3]), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => ev.conjugate(ctB), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => ev.relinearize(ctB), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => ev.relinearizeRescale(ctB), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => ev.innerSum(ctB, 2), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => ev.rescale(ctB), 'INCOMPATIBLE_PARAMETERS');
  });
});

describe('keys are checked where they are used (issue 10.6)', () => {
  const ctx = new CkksContext({ ...SMALL, insecure: true });
  const kg = new KeyGenerator(ctx, seededRandom(seed(46)));
  const sk = kg.secretKey();
  const N = ctx.ringDegree;
  const e1 = galoisElementForRotation(1, N), e2 = galoisElementForRotation(2, N);

  it('a Galois key filed under another element is refused at construction (was: rotate(1) rotated by 2)', () => {
    const misfiled = new Map([[e1, kg.galoisKey(sk, e2)]]);
    expectCkksError(() => new Evaluator(ctx, { galoisKeys: misfiled }), 'INCOMPATIBLE_PARAMETERS');
  });

  it('… and at use, when the map was changed after the evaluator was built', () => {
    const keys = new Map([[e1, kg.galoisKey(sk, e1)]]);
    const ev = new Evaluator(ctx, { galoisKeys: keys });
    const ct = new Encryptor(ctx, seededRandom(seed(47))).encryptSecret(new Encoder(ctx).encode([1, 2, 3]), sk);
    expect(() => ev.rotate(ct, 1)).not.toThrow();
    keys.set(e1, kg.galoisKey(sk, e2));
    expectCkksError(() => ev.rotate(ct, 1), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => ev.rotateHoisted(ct, [1]), 'INCOMPATIBLE_PARAMETERS');
  });

  it('galoisKey(sk, 1) (the identity) is refused at creation; wrong key classes are TypeErrors', () => {
    expect(() => kg.galoisKey(sk, 1)).toThrow(RangeError);
    const rlk = kg.relinearizationKey(sk);
    const gk = kg.galoisKey(sk, e1);
    expect(() => new Evaluator(ctx, { relinearizationKey: gk })).toThrow(TypeError);
    expect(() => new Evaluator(ctx, { galoisKeys: new Map([[e1, rlk]]) as never })).toThrow(TypeError);
  });
});
