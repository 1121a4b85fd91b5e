// Homomorphic operations vs the same computation on float64 vectors (small insecure N = 2^10, Δ = 2^40).
// Error bounds (|x| ≤ 1, N = 2^10, σ = 3.2, Δ = 2^40). Without the special primes a fresh public-key encryption
// would carry B_clean ≈ 8√2·σN + 6σ√N + 16σ√(hN) ≈ 2^15.5 (CKKS 2017, Lemma 1) ≈ 2^-24.5 per slot; encrypting
// over Q ∪ P and dividing by P leaves only the rounded ModDown term (≈ k_P·(1 + ‖s‖), coefficients ≤ 2^6), and
// key switching has the same rounding term. Measured maxima over 512 slots: fresh 2^-29.8, mul+relin+rescale
// 2^-29.7, rotation 2^-29.2. Checked with ≥ 2.5 bits of margin:
//  - fresh encryption: checked at 2^-27;
//  - add/sub/constants/ct–pt products, mul + relin + rescale (≈ (|x|+|y|)·B_clean/Δ + B_rescale/Δ with
//    B_rescale ≈ √(N/3)(3 + 8√h) ≈ 2^12), rotations/conjugation (B_clean + key-switching noise ≤ 2^-30 with
//    P ≥ the largest digit): checked at 2^-26 (a biased rounding, as found once in ModDown, gives 2^-25);
//  - chains (depth 3, setScale, innerSum of 8 terms): checked at 2^-21 … 2^-18.
// A wrong operation gives errors of order 1, so these bounds separate right from wrong by ~2^20.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixture, maxError, randomReals } from './helpers.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { Ciphertext } from '../../src/ckks/scheme/plaintext.js';

const LIT = { logN: 10, logQ: [55, 40, 40, 40], logP: [56, 56], logDefaultScale: 40 };
const SLOTS = 512;
const F = fixture(LIT, 1, [1, 2, 4, 8, 16, 32, 64, 128, 256, -1, 5], true);

function vec(s: number): Float64Array {
  return randomReals(SLOTS, s);
}

describe('encryption round trip (small insecure N = 2^10)', () => {
  it('public-key and secret-key encryption decrypt within 2^-27', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1 << 30 }), fc.integer({ min: 0, max: 3 }), (s, level) => {
      const x = vec(s), y = vec(s + 1);
      const ct = F.encrypt({ re: x, im: y }, level);
      expect(ct.level).toBe(level);
      expect(maxError(F.decrypt(ct), x, y)).toBeLessThan(2 ** -27);
      const ct2 = F.encryptor.encryptSecret(F.encoder.encode(x, { level }), F.decryptor['sk']);
      expect(maxError(F.decrypt(ct2), x)).toBeLessThan(2 ** -27);
    }), { numRuns: 12 });
  });
});

describe('arithmetic vs float64 (small insecure N = 2^10)', () => {
  it('add, sub, neg, add/sub plaintext, add/mul constants', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1 << 30 }), fc.double({ min: -2, max: 2, noNaN: true }), (s, c) => {
      const x = vec(s), y = vec(s + 7);
      const a = F.encrypt(x), b = F.encrypt(y);
      const ev = F.evaluator;
      expect(maxError(F.decrypt(ev.add(a, b)), x.map((v, i) => v + y[i]!))).toBeLessThan(2 ** -26);
      expect(maxError(F.decrypt(ev.sub(a, b)), x.map((v, i) => v - y[i]!))).toBeLessThan(2 ** -26);
      expect(maxError(F.decrypt(ev.neg(a)), x.map((v) => -v))).toBeLessThan(2 ** -26);
      const pt = F.encoder.encode(y);
      expect(maxError(F.decrypt(ev.add(a, pt)), x.map((v, i) => v + y[i]!))).toBeLessThan(2 ** -26);
      expect(maxError(F.decrypt(ev.addConstant(a, c)), x.map((v) => v + c))).toBeLessThan(2 ** -26);
      const ac = F.decrypt(ev.addConstant(a, { re: c, im: -c }));
      expect(maxError(ac, x.map((v) => v + c), x.map(() => -c))).toBeLessThan(2 ** -26);
      const mc = ev.rescale(ev.mulConstant(a, c));
      expect(mc.scale).toBe(a.scale);
      expect(maxError(F.decrypt(mc), x.map((v) => v * c))).toBeLessThan(2 ** -26);
      const mci = ev.rescale(ev.mulConstant(a, { re: 0, im: 1 }));
      expect(maxError(F.decrypt(mci), x.map(() => 0), x)).toBeLessThan(2 ** -26);
      const mp = ev.rescale(ev.mulPlain(a, pt));
      expect(maxError(F.decrypt(mp), x.map((v, i) => v * y[i]!))).toBeLessThan(2 ** -26);
    }), { numRuns: 6 });
  });

  it('mul + relinearize + rescale, and a depth-3 product chain', () => {
    const x = vec(11), y = vec(12), z = vec(13);
    const ev = F.evaluator;
    const a = F.encrypt(x), b = F.encrypt(y);
    const prod = ev.mulRelinRescale(a, b);
    expect(prod.level).toBe(2);
    expect(maxError(F.decrypt(prod), x.map((v, i) => v * y[i]!))).toBeLessThan(2 ** -26);
    // degree-2 ciphertexts decrypt too (c0 + c1 s + c2 s²)
    expect(maxError(F.decrypt(ev.rescale(ev.mulNoRelin(a, b))), x.map((v, i) => v * y[i]!))).toBeLessThan(2 ** -20);
    // x·y·z·x at depth 3 (levels 3 → 0); scales multiply, levels aligned with dropLevels
    const xyz = ev.mulRelinRescale(prod, ev.dropLevels(F.encrypt(z), 1));
    const xyzx = ev.mulRelinRescale(xyz, ev.dropLevels(F.encrypt(x), 2));
    expect(xyzx.level).toBe(0);
    expect(maxError(F.decrypt(xyzx), x.map((v, i) => v * y[i]! * z[i]! * v))).toBeLessThan(2 ** -18);
  });

  it('relinearizeRescale (fused ModDown + rescale, k_P = 2) equals relinearize then rescale: level, exact scale, error ≤ 2^-26', () => {
    const ev = F.evaluator;
    let worstFused = 0, worstTwoStep = 0;
    fc.assert(fc.property(fc.integer({ min: 1, max: 1 << 30 }), fc.integer({ min: 1, max: 3 }), (s, level) => {
      const x = vec(s), y = vec(s + 7);
      const prod = ev.mulNoRelin(F.encrypt(x, level), F.encrypt(y, level));
      const fused = ev.relinearizeRescale(prod);
      const twoStep = ev.rescale(ev.relinearize(prod));
      expect(fused.level).toBe(level - 1);
      expect(fused.degree).toBe(1);
      expect(fused.scale).toBe(twoStep.scale);
      const want = x.map((v, i) => v * y[i]!);
      const ef = maxError(F.decrypt(fused), want), et = maxError(F.decrypt(twoStep), want);
      worstFused = Math.max(worstFused, ef);
      worstTwoStep = Math.max(worstTwoStep, et);
      expect(ef).toBeLessThan(2 ** -26);
    }), { numRuns: 8 });
    console.log(`relinearizeRescale: max error 2^${Math.log2(worstFused).toFixed(1)} (relinearize + rescale: 2^${Math.log2(worstTwoStep).toFixed(1)})`);
    // a degree-1 input is just rescaled; level 0 and a missing key are typed errors
    const a = ev.mulConstant(F.encrypt(vec(3), 2), 1); // scale 2^40·q_2: rescaling returns to 2^40
    const r1 = F.decrypt(ev.relinearizeRescale(a)), r2 = F.decrypt(ev.rescale(a));
    expect(maxError(r1, r2.re, r2.im)).toBe(0);
    const low = ev.mulNoRelin(F.encrypt(vec(4), 0, 2 ** 20), F.encrypt(vec(5), 0, 2 ** 20)); // 2^40 fits 55 bits
    expectCkksError(() => ev.relinearizeRescale(low), 'DEPTH_EXHAUSTED');
    expectCkksError(() => ev.mulNoRelin(F.encrypt(vec(4), 0), F.encrypt(vec(5), 0)), 'DEPTH_EXHAUSTED'); // 2^80 does not
    const noKey = new (ev.constructor as new (c: typeof F.ctx) => typeof ev)(F.ctx);
    const fresh = F.encrypt(vec(3), 2);
    expectCkksError(() => noKey.relinearizeRescale(ev.mulNoRelin(fresh, fresh)), 'MISSING_KEY');
  });

  it('setScale yields exactly the requested scale; scale/level mismatches are typed errors', () => {
    const ev = F.evaluator;
    const x = vec(21), y = vec(22);
    const p = ev.mulRelinRescale(F.encrypt(x), F.encrypt(y)); // level 2, scale ≈ 2^40·(2^40/q_3)
    const fresh = ev.dropLevels(F.encrypt(x), 1); // level 2, scale exactly 2^40
    expectCkksError(() => ev.add(p, fresh), 'SCALE_MISMATCH');
    expectCkksError(() => ev.add(p, F.encrypt(x)), 'LEVEL_MISMATCH');
    const fixed = ev.setScale(fresh, 2 ** 40); // level 1, scale 2^40
    const p1 = ev.setScale(p, 2 ** 40);
    expect(p1.scale).toBe(2 ** 40);
    expect(p1.level).toBe(fixed.level);
    expect(maxError(F.decrypt(ev.add(p1, fixed)), x.map((v, i) => v * y[i]! + v))).toBeLessThan(2 ** -21);
  });

  it('depth is enforced: rescaling at level 0 is DEPTH_EXHAUSTED; missing relin key is MISSING_KEY', () => {
    const ev = F.evaluator;
    const a = F.encrypt(vec(3), 0);
    expect(() => ev.rescale(a)).toThrow(/DEPTH_EXHAUSTED/);
    const bare = fixture(LIT, 2);
    const noKeys = new (ev.constructor as typeof import('../../src/ckks/scheme/evaluator.js').Evaluator)(bare.ctx);
    const b = bare.encrypt(vec(4));
    expect(() => noKeys.mul(b, b)).toThrow(/MISSING_KEY/);
  });
});

describe('rotations and conjugation vs plaintext permutation (small insecure N = 2^10)', () => {
  const rotate = (v: Float64Array, r: number) => v.map((_, i) => v[(((i + r) % SLOTS) + SLOTS) % SLOTS]!);
  it('rotate by keyed, negative and composed steps; hoisted equals one-by-one', () => {
    const x = vec(31);
    const ct = F.encrypt(x);
    for (const r of [1, 5, -1, 3, 100, -37, 511]) {
      expect(maxError(F.decrypt(F.evaluator.rotate(ct, r)), rotate(x, r)), `steps ${r}`).toBeLessThan(2 ** -26);
    }
    const hoisted = F.evaluator.rotateHoisted(ct, [1, 2, 4, 8, -1]);
    for (const [r, c] of hoisted) expect(maxError(F.decrypt(c), rotate(x, r))).toBeLessThan(2 ** -26);
  });
  it('conjugate and innerSum', () => {
    const x = vec(41), y = vec(42);
    const ct = F.encrypt({ re: x, im: y });
    expect(maxError(F.decrypt(F.evaluator.conjugate(ct)), x, y.map((v) => -v))).toBeLessThan(2 ** -26);
    const s = F.evaluator.innerSum(F.encrypt(x), 8);
    const want = x.map((_, i) => { let t = 0; for (let k = 0; k < 8; k++) t += x[(i + k) % SLOTS]!; return t; });
    expect(maxError(F.decrypt(s), want)).toBeLessThan(2 ** -21);
  });
  it('hoisting without an exact key is MISSING_KEY', () => {
    expect(() => F.evaluator.rotateHoisted(F.encrypt(vec(1)), [3])).toThrow(/MISSING_KEY/);
  });
});

describe('in-place variants (small insecure N = 2^10)', () => {
  it('rescale and relinearize into a given output equal the allocating versions exactly', () => {
    const ev = F.evaluator;
    const a = F.encrypt(vec(51)), b = F.encrypt(vec(52));
    const prod = ev.mulNoRelin(a, b);
    const relin = ev.relinearize(prod);
    const relinOut = F.encrypt(vec(1)); // degree 1, same level: overwritten
    expect(ev.relinearize(prod, relinOut)).toBe(relinOut);
    relin.parts.forEach((p, i) => expect(relinOut.parts[i]!.data).toEqual(p.data));
    const resc = ev.rescale(relin);
    const rescOut = ev.dropLevels(F.encrypt(vec(2)), 1);
    expect(ev.rescale(relin, rescOut)).toBe(rescOut);
    expect(rescOut.scale).toBe(resc.scale);
    resc.parts.forEach((p, i) => expect(rescOut.parts[i]!.data).toEqual(p.data));
    expect(() => ev.rescale(relin, F.encrypt(vec(3)))).toThrow(RangeError);
  });

  it('every single-result method writes into `out` exactly what it returns without it, and returns `out`', () => {
    const ev = F.evaluator;
    const a = F.encrypt(vec(61)), b = F.encrypt(vec(62));
    const pt = F.encoder.encode(vec(63));
    const prod = ev.mulNoRelin(a, b);
    const top = (s: number) => F.encrypt(vec(s)); // degree 1 at the top level: an output to overwrite
    const low = (s: number) => ev.dropLevels(F.encrypt(vec(s)), 1);
    const cases: [string, () => Ciphertext, (out: Ciphertext) => Ciphertext, () => Ciphertext][] = [
      ['add', () => ev.add(a, b), (o) => ev.add(a, b, o), () => top(1)],
      ['sub plaintext', () => ev.sub(a, pt), (o) => ev.sub(a, pt, o), () => top(2)],
      ['neg', () => ev.neg(a), (o) => ev.neg(a, o), () => top(3)],
      ['addConstant', () => ev.addConstant(a, 0.25), (o) => ev.addConstant(a, 0.25, o), () => top(4)],
      ['mulConstant', () => ev.mulConstant(a, -3, { constantScale: 1 }), (o) => ev.mulConstant(a, -3, { constantScale: 1 }, o), () => top(5)],
      ['mulPlain', () => ev.mulPlain(a, pt), (o) => ev.mulPlain(a, pt, o), () => top(6)],
      ['mulNoRelin', () => ev.mulNoRelin(a, b), (o) => ev.mulNoRelin(a, b, o), () => prod.clone()],
      ['mul', () => ev.mul(a, b), (o) => ev.mul(a, b, o), () => top(7)],
      ['mulRelinRescale', () => ev.mulRelinRescale(a, b), (o) => ev.mulRelinRescale(a, b, o), () => low(8)],
      ['relinearizeRescale', () => ev.relinearizeRescale(prod), (o) => ev.relinearizeRescale(prod, o), () => low(9)],
      ['dropLevels', () => ev.dropLevels(a, 1), (o) => ev.dropLevels(a, 1, o), () => low(10)],
      ['setScale', () => ev.setScale(a, 2 ** 40), (o) => ev.setScale(a, 2 ** 40, o), () => low(11)],
      ['rotate', () => ev.rotate(a, 5), (o) => ev.rotate(a, 5, o), () => top(12)],
      ['rotate (composed)', () => ev.rotate(a, 3), (o) => ev.rotate(a, 3, o), () => top(13)],
      ['conjugate', () => ev.conjugate(a), (o) => ev.conjugate(a, o), () => top(14)],
      ['innerSum', () => ev.innerSum(a, 4), (o) => ev.innerSum(a, 4, o), () => top(15)],
    ];
    for (const [name, plain, into, makeOut] of cases) {
      const want = plain();
      const out = makeOut();
      expect(into(out), name).toBe(out);
      expect(out.scale, name).toBe(want.scale);
      expect(out.level, name).toBe(want.level);
      want.parts.forEach((p, i) => expect(out.parts[i]!.data, name).toEqual(p.data));
    }
    // the operand itself as the output, where the operation allows it
    const a2 = a.clone();
    const sum = ev.add(a, b);
    expect(ev.add(a2, b, a2)).toBe(a2);
    sum.parts.forEach((p, i) => expect(a2.parts[i]!.data).toEqual(p.data));
    const r = a.clone();
    const rotated = ev.rotate(a, 1);
    expect(ev.rotate(r, 1, r)).toBe(r);
    rotated.parts.forEach((p, i) => expect(r.parts[i]!.data).toEqual(p.data));
  });

  it('one output check for all: wrong degree, level or slot count is a RangeError, another parameter set INCOMPATIBLE_PARAMETERS, aliasing a product operand a RangeError', () => {
    const ev = F.evaluator;
    const a = F.encrypt(vec(71)), b = F.encrypt(vec(72));
    const wrongLevel = ev.dropLevels(F.encrypt(vec(73)), 1);
    const wrongDegree = ev.mulNoRelin(a, b);
    const wrongSlots = new Ciphertext(F.ctx, a.clone().parts, a.scale, 256);
    const other = fixture({ ...LIT, logQ: [55, 40, 40, 41] }, 2).encrypt(vec(75));
    const calls: [string, (o: Ciphertext) => unknown][] = [
      ['add', (o) => ev.add(a, b, o)], ['mulConstant', (o) => ev.mulConstant(a, 2, {}, o)], ['mul', (o) => ev.mul(a, b, o)],
      ['rotate', (o) => ev.rotate(a, 1, o)], ['conjugate', (o) => ev.conjugate(a, o)], ['relinearize', (o) => ev.relinearize(wrongDegree, o)],
    ];
    for (const [name, call] of calls) {
      expect(() => call(wrongLevel), name).toThrow(/output must be a degree-1 ciphertext at level 3 with 512 slots/);
      expect(() => call(wrongSlots), name).toThrow(RangeError);
      expectCkksError(() => call(other), 'INCOMPATIBLE_PARAMETERS');
    }
    expect(() => ev.add(a, b, wrongDegree)).toThrow(RangeError);
    expect(() => ev.setScale(a, 2 ** 40, F.encrypt(vec(76)))).toThrow(/level 2/);
    expect(() => ev.mulNoRelin(a, b, a)).toThrow(RangeError);
    const d2 = ev.mulNoRelin(a, b);
    expect(() => ev.mulNoRelin(a, b, new Ciphertext(F.ctx, [d2.parts[0]!, b.parts[1]!, d2.parts[2]!], 1, SLOTS))).toThrow(/alias/);
    expect(() => ev.mulConstant(a, 2, 1 as unknown as object)).toThrow(TypeError);
  });
});
