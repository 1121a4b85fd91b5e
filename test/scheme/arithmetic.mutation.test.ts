// Scheme arithmetic and the evaluator's checks at their boundaries: every refusal must come from its own check
// (class and code asserted), every valid boundary must pass, and mixed-degree sums, exact setScale factors and
// output-argument rules are checked against float64 references. Small insecure N = 2^5.
import { beforeAll, describe, expect, it } from 'vitest';
import { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { minimumScale } from '../../src/ckks/scheme/checks.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { type Fixture, fixture, maxError, randomReals } from './helpers.js';

const SLOTS = 16;
let F: Fixture;
let x: Float64Array, y: Float64Array;
let ctX: Ciphertext, ctY: Ciphertext;

beforeAll(() => {
  F = fixture({ logN: 5, logQ: [55, 40, 40], logP: [60], logDefaultScale: 30 }, 11, [1, 2, 4, 8], true);
  x = randomReals(SLOTS, 3);
  y = randomReals(SLOTS, 4);
  ctX = F.encrypt(x);
  ctY = F.encrypt(y);
});

const TOL = 2 ** -12;

describe('sums of ciphertexts of different degrees', () => {
  it('add/sub of a degree-2 and a degree-1 ciphertext (either order) decrypt to the float64 result', () => {
    const xy = F.evaluator.mulNoRelin(ctX, ctY); // scale Δ², degree 2
    const z = F.encrypt(x, undefined, xy.scale); // degree 1 at the same scale
    const prod = x.map((v, i) => v * y[i]!);
    for (const [r, want] of [
      [F.evaluator.add(xy, z), prod.map((v, i) => v + x[i]!)],
      [F.evaluator.add(z, xy), prod.map((v, i) => v + x[i]!)],
      [F.evaluator.sub(xy, z), prod.map((v, i) => v - x[i]!)],
      [F.evaluator.sub(z, xy), prod.map((v, i) => x[i]! - v)],
    ] as const) {
      expect(r.degree).toBe(2);
      expect(maxError(F.decrypt(r), want)).toBeLessThan(TOL);
    }
  });
});

describe('constants', () => {
  it('non-finite or malformed constants are a RangeError/TypeError, never a CkksError', () => {
    for (const c of [NaN, Infinity, -Infinity]) {
      expect(() => F.evaluator.addConstant(ctX, c)).toThrow(RangeError);
      expect(() => F.evaluator.mulConstant(ctX, c)).toThrow(RangeError);
    }
    for (const c of [{ re: NaN, im: 0 }, { re: 0, im: Infinity }, { re: 1, im: NaN }, null, '1', { re: 1 }] as unknown[]) {
      expect(() => F.evaluator.addConstant(ctX, c as number)).toThrow(TypeError);
      expect(() => F.evaluator.mulConstant(ctX, c as number)).toThrow(TypeError);
    }
  });
  it('complex constants are added and multiplied slot-wise (float64 reference)', () => {
    const c = { re: 0.75, im: -0.5 };
    const sum = F.decrypt(F.evaluator.addConstant(ctX, c));
    expect(maxError(sum, x.map((v) => v + 0.75), x.map(() => -0.5))).toBeLessThan(TOL);
    const prod = F.decrypt(F.evaluator.rescale(F.evaluator.mulConstant(ctX, c)));
    expect(maxError(prod, x.map((v) => 0.75 * v), x.map((v) => -0.5 * v))).toBeLessThan(TOL);
  });
  it('mulConstant: options must be an object; constantScale must be finite and ≥ 1 (1 exactly allowed)', () => {
    expect(() => F.evaluator.mulConstant(ctX, 2, 5 as unknown as object)).toThrow(TypeError);
    for (const s of [0.5, 0.999, 0, -2, Infinity, NaN]) expect(() => F.evaluator.mulConstant(ctX, 2, { constantScale: s })).toThrow(RangeError);
    const r = F.evaluator.mulConstant(ctX, 3, { constantScale: 1 });
    expect(r.scale).toBe(ctX.scale);
    expect(maxError(F.decrypt(r), x.map((v) => 3 * v))).toBeLessThan(TOL);
  });
});

describe('the modulus and scale bounds', () => {
  it('a product whose scale needs more bits than the level holds is DEPTH_EXHAUSTED, one bit less passes', () => {
    // level 0: q_0 ≈ 2^55. needed = log2(scale) + 1 must stay below log2(q_0)
    const low = F.evaluator.dropLevels(ctX, ctX.level);
    const q0 = Number(F.ctx.params.Q[0]!);
    // product scale (2/3)·q_0: needs log2(q_0) + 0.42 bits (with the sign bit): refused …
    expectCkksError(() => F.evaluator.mulConstant(low, 1, { constantScale: (2 * q0) / 3 / low.scale }), 'DEPTH_EXHAUSTED');
    // … q_0/3: needs log2(q_0) − 0.58 bits: accepted
    expect(F.evaluator.mulConstant(low, 1, { constantScale: q0 / 3 / low.scale }).level).toBe(0);
  });
  it('a rescale may leave exactly the minimum scale 2^(logN + 8), not less', () => {
    const min = minimumScale(F.ctx);
    expect(min).toBe(2 ** (5 + 8));
    const r = F.evaluator.setScale(ctX, min);
    expect(r.scale).toBe(min);
    expect(r.level).toBe(ctX.level - 1);
    expectCkksError(() => F.evaluator.setScale(ctX, min / 2), 'SCALE_OUT_OF_RANGE');
  });
});

describe('setScale', () => {
  it('refuses non-finite or non-positive targets with a RangeError', () => {
    for (const t of [0, -1, NaN, Infinity, -Infinity]) expect(() => F.evaluator.setScale(ctX, t)).toThrow(RangeError);
  });
  it('a factor of exactly 1 is a plain rescale; below 1 is a RangeError', () => {
    const q = Number(F.ctx.params.Q[ctX.level]!);
    const lifted = F.evaluator.mulConstant(ctX, 1); // scale Δ·q_ℓ exactly (Δ a power of two)
    expect(lifted.scale).toBe(ctX.scale * q);
    const r = F.evaluator.setScale(lifted, ctX.scale); // factor (Δ·q_ℓ)/(Δ·q_ℓ) = 1
    expect(r.scale).toBe(ctX.scale);
    expect(maxError(F.decrypt(r), x)).toBeLessThan(TOL);
    expect(() => F.evaluator.setScale(lifted, ctX.scale / 2)).toThrow(RangeError); // factor 1/2
  });
});

describe('levels', () => {
  it('dropLevels(count) accepts 0 … level and refuses negatives and fractions (RangeError) and more (DEPTH_EXHAUSTED)', () => {
    const same = F.evaluator.dropLevels(ctX, 0);
    expect(same.level).toBe(ctX.level);
    expect(same.parts[0]).not.toBe(ctX.parts[0]); // a copy
    expect(maxError(F.decrypt(same), x)).toBeLessThan(TOL);
    const bottom = F.evaluator.dropLevels(ctX, ctX.level);
    expect(bottom.level).toBe(0);
    expect(maxError(F.decrypt(bottom), x)).toBeLessThan(TOL);
    for (const c of [-1, 0.5]) expect(() => F.evaluator.dropLevels(ctX, c)).toThrow(RangeError);
    expectCkksError(() => F.evaluator.dropLevels(ctX, ctX.level + 1), 'DEPTH_EXHAUSTED');
  });
});

describe('products', () => {
  it('mul refuses operands of degree ≠ 1 (either side) with a RangeError', () => {
    const deg2 = F.evaluator.mulNoRelin(ctX, ctY);
    const one = F.encrypt(x, undefined, ctX.scale);
    expect(() => F.evaluator.mulNoRelin(deg2, one)).toThrow(RangeError);
    expect(() => F.evaluator.mulNoRelin(one, deg2)).toThrow(RangeError);
  });
  it('mul refuses operands in coefficient form (FORM_MISMATCH), never multiplies coefficient vectors', () => {
    const coeff = new Ciphertext(F.ctx, ctX.parts.map((p) => p.clone().toCoefficient()), ctX.scale, ctX.slots);
    expectCkksError(() => F.evaluator.mulNoRelin(coeff, ctY), 'FORM_MISMATCH');
    expectCkksError(() => F.evaluator.mulNoRelin(ctY, coeff), 'FORM_MISMATCH');
  });
  it('relinearize and relinearizeRescale refuse degree 3 (RangeError) and a missing key (MISSING_KEY)', () => {
    const deg3 = new Ciphertext(F.ctx, [...ctX.clone().parts, ctY.parts[0]!.clone(), ctY.parts[1]!.clone()], ctX.scale * ctY.scale, SLOTS);
    expect(() => F.evaluator.relinearize(deg3)).toThrow(RangeError);
    expect(() => F.evaluator.relinearizeRescale(deg3)).toThrow(RangeError);
    const bare = new Evaluator(F.ctx);
    const deg2 = F.evaluator.mulNoRelin(ctX, ctY);
    expectCkksError(() => bare.relinearize(deg2), 'MISSING_KEY');
    expectCkksError(() => bare.relinearizeRescale(deg2), 'MISSING_KEY');
    // degree 1 needs no key: relinearize copies, relinearizeRescale rescales
    expect(maxError(F.decrypt(bare.relinearize(ctX)), x)).toBeLessThan(TOL);
    const lifted = F.evaluator.mulConstant(ctX, 1); // scale Δ·q_ℓ: rescalable
    expect(bare.relinearizeRescale(lifted).level).toBe(ctX.level - 1);
  });
});

describe('output arguments', () => {
  it('must be a Ciphertext (TypeError), of the result\'s shape in every part (RangeError), not an operand of mul', () => {
    const pt = F.encoder.encode(x);
    expect(() => F.evaluator.add(ctX, ctY, pt as unknown as Ciphertext)).toThrow(TypeError);
    // c_0 at the right level, c_1 one level lower: one bad part is enough to refuse
    const mixed = new Ciphertext(F.ctx, [ctX.parts[0]!.clone(), ctX.parts[1]!.dropLastLimbs(1).clone()], ctX.scale, SLOTS);
    expect(() => F.evaluator.add(ctX, ctY, mixed)).toThrow(RangeError);
    const mixed2 = new Ciphertext(F.ctx, [ctX.parts[0]!.dropLastLimbs(1).clone(), ctX.parts[1]!.clone()], ctX.scale, SLOTS);
    expect(() => F.evaluator.add(ctX, ctY, mixed2)).toThrow(RangeError);
    const deg2 = F.evaluator.mulNoRelin(ctX, ctY);
    const a = ctX.clone();
    expect(() => F.evaluator.mulNoRelin(a, ctY, deg2)).not.toThrow();
    const sharing = new Ciphertext(F.ctx, [a.parts[0]!, new RnsPoly(a.parts[0]!.basis, 'evaluation'), new RnsPoly(a.parts[0]!.basis, 'evaluation')], 1, SLOTS);
    expect(() => F.evaluator.mulNoRelin(a, ctY, sharing)).toThrow(RangeError);
    const sharingB = new Ciphertext(F.ctx, [new RnsPoly(a.parts[0]!.basis, 'evaluation'), new RnsPoly(a.parts[0]!.basis, 'evaluation'), ctY.parts[1]!], 1, SLOTS);
    expect(() => F.evaluator.mulNoRelin(a, ctY, sharingB)).toThrow(RangeError);
  });
  it('results written into out equal the fresh results (add with a plaintext, constants, rescale, relinearize)', () => {
    const pt = F.encoder.encode(y);
    const cases: [(o?: Ciphertext) => Ciphertext, number][] = [
      [(o) => F.evaluator.add(ctX, pt, o), ctX.level],
      [(o) => F.evaluator.sub(ctX, pt, o), ctX.level],
      [(o) => F.evaluator.addConstant(ctX, 0.25, o), ctX.level],
      [(o) => F.evaluator.addConstant(ctX, { re: 0.25, im: 0.5 }, o), ctX.level],
      [(o) => F.evaluator.mulConstant(ctX, -2, {}, o), ctX.level],
      [(o) => F.evaluator.rescale(F.evaluator.mulConstant(ctX, 0.5), o), ctX.level - 1],
      [(o) => F.evaluator.dropLevels(ctX, 1, o), ctX.level - 1],
      [(o) => F.evaluator.relinearize(F.evaluator.mulNoRelin(ctX, ctY), o), ctX.level],
      [(o) => F.evaluator.relinearize(ctX, o), ctX.level],
    ];
    for (const [op, level] of cases) {
      const fresh = op();
      const basis = F.ctx.levelBasis(level);
      const out = new Ciphertext(F.ctx, [new RnsPoly(basis, 'evaluation'), new RnsPoly(basis, 'evaluation')], 1, SLOTS);
      out.seed = new Uint8Array(32);
      expect(op(out)).toBe(out);
      expect(out.scale).toBe(fresh.scale);
      fresh.parts.forEach((p, i) => expect(Array.from(out.parts[i]!.data)).toEqual(Array.from(p.data)));
    }
  });
  it('add with a plaintext into an aliasing out leaves the other parts as they were', () => {
    const a = ctX.clone();
    const c1 = Array.from(a.parts[1]!.data);
    F.evaluator.add(a, F.encoder.encode(y), a);
    expect(Array.from(a.parts[1]!.data)).toEqual(c1);
    expect(maxError(F.decrypt(a), x.map((v, i) => v + y[i]!))).toBeLessThan(TOL);
  });
});

describe('Evaluator construction and innerSum', () => {
  it('galoisKeys must be a Map (an array of pairs is refused too)', () => {
    const gk = F.keygen.galoisKeys(F.keygen.secretKey(), [1]);
    expect(() => new Evaluator(F.ctx, { galoisKeys: [...gk] as unknown as Map<number, never> })).toThrow(TypeError);
    expect(() => new Evaluator(F.ctx, { galoisKeys: {} as unknown as Map<number, never> })).toThrow(TypeError);
  });
  it('innerSum windows: powers of two in [1, slots]; others RangeError', () => {
    const one = F.evaluator.innerSum(ctX, 1);
    expect(maxError(F.decrypt(one), x)).toBeLessThan(TOL);
    const all = F.evaluator.innerSum(ctX, SLOTS);
    const total = x.reduce((a, b) => a + b, 0);
    expect(maxError(F.decrypt(all), x.map(() => total))).toBeLessThan(TOL * SLOTS);
    for (const w of [0, 3, 2.5, 2 * SLOTS, -1]) expect(() => F.evaluator.innerSum(ctX, w)).toThrow(RangeError);
  });
});
