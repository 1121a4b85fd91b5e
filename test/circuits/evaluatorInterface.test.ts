// The circuits depend on `CircuitEvaluator`, not on the `Evaluator` class: a plain object implementing the interface
// by delegating to a real evaluator (and counting the calls per method) is passed to the polynomial evaluator and to
// the slot helpers. Small INSECURE parameters (N = 2^10, Q = 55 + 8×45 bits, P = 2×56 bits, Δ = 2^45, 512 slots).
//
// Checked: (1) results decrypt to float64 references computed here on the decrypted input, within tolerances stated
// per test; (2) the results are bit-identical to the same circuit run on the bare `Evaluator` (the wrapper adds
// nothing, so the interface carries the whole computation); (3) the counts show the circuit went through the wrapper
// — e.g. every ciphertext product (mulNoRelin) is counted and matches the key switches the real evaluator did.
// Tolerances as in polynomial.test.ts: 2^(depth − 32) for a result `depth` levels below a fresh input (fresh
// encryption at Δ = 2^45 ≈ 2^-35, about one bit lost per level; measured worst 2^-28.4 at depth 6). Measured here:
// degree 15 2^-32.4, per-slot quadratic 2^-34.0, mask 2^-35.3, replicate 2^-33.9.
import { describe, expect, it } from 'vitest';
import { fixture, maxError, randomReals } from '../scheme/helpers.js';
import { PolynomialEvaluator, evaluateChebyshev } from '../../src/ckks/circuits/polynomial/index.js';
import { mask, replicate } from '../../src/ckks/circuits/linearTransform/slotHelpers.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import type { CircuitEvaluator } from '../../src/ckks/scheme/evaluatorInterface.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';

const LIT = { logN: 10, logQ: [55, 45, 45, 45, 45, 45, 45, 45, 45], logP: [56, 56], logDefaultScale: 45 };
const SLOTS = 512;
const F = fixture(LIT, 31, [-8, -16]);
const tol = (depth: number) => 2 ** (depth - 32);

type Method = Exclude<keyof CircuitEvaluator, 'context'>;

/** A CircuitEvaluator that is not an Evaluator: every call is counted, then delegated to `inner`. */
function countingEvaluator(inner: Evaluator): { ev: CircuitEvaluator; counts: Map<Method, number> } {
  const counts = new Map<Method, number>();
  const hit = (m: Method): void => { counts.set(m, (counts.get(m) ?? 0) + 1); };
  const ev: CircuitEvaluator = {
    context: inner.context,
    add: (a, b, out) => { hit('add'); return inner.add(a, b, out); },
    sub: (a, b, out) => { hit('sub'); return inner.sub(a, b, out); },
    addConstant: (a, c, out) => { hit('addConstant'); return inner.addConstant(a, c, out); },
    mulConstant: (a, c, options, out) => { hit('mulConstant'); return inner.mulConstant(a, c, options, out); },
    mulPlain: (a, pt, out) => { hit('mulPlain'); return inner.mulPlain(a, pt, out); },
    mulNoRelin: (a, b, out) => { hit('mulNoRelin'); return inner.mulNoRelin(a, b, out); },
    rescale: (a, out) => { hit('rescale'); return inner.rescale(a, out); },
    dropLevels: (a, count, out) => { hit('dropLevels'); return inner.dropLevels(a, count, out); },
    relinearizeRescale: (a, out) => { hit('relinearizeRescale'); return inner.relinearizeRescale(a, out); },
    rotate: (a, steps, out) => { hit('rotate'); return inner.rotate(a, steps, out); },
    rotateHoisted: (a, steps) => { hit('rotateHoisted'); return inner.rotateHoisted(a, steps); },
    rotateHoistedExtended: (a, steps) => { hit('rotateHoistedExtended'); return inner.rotateHoistedExtended(a, steps); },
    rotateHoistedHalfExtended: (a, steps) => { hit('rotateHoistedHalfExtended'); return inner.rotateHoistedHalfExtended(a, steps); },
    rotateAccumulateExtended: (x, steps, acc) => { hit('rotateAccumulateExtended'); inner.rotateAccumulateExtended(x, steps, acc); },
    modDownExtended: (x, out) => { hit('modDownExtended'); return inner.modDownExtended(x, out); },
    rotateSum: (terms, out) => { hit('rotateSum'); return inner.rotateSum(terms, out); },
    rotateSumRescale: (terms, out) => { hit('rotateSumRescale'); return inner.rotateSumRescale(terms, out); },
    rotateSumExtended: (terms) => { hit('rotateSumExtended'); return inner.rotateSumExtended(terms); },
    conjugate: (a, out) => { hit('conjugate'); return inner.conjugate(a, out); },
    hasRotationKey: (steps) => { hit('hasRotationKey'); return inner.hasRotationKey(steps); },
  };
  return { ev, counts };
}

/** Every word of both ciphertexts equal, and the same scale and level. */
function expectIdentical(a: Ciphertext, b: Ciphertext): void {
  expect(b.level).toBe(a.level);
  expect(b.scale).toBe(a.scale);
  expect(b.degree).toBe(a.degree);
  let differing = 0;
  a.parts.forEach((p, i) => {
    for (let l = 0; l < p.limbCount; l++) {
      const x = p.limb(l), y = b.parts[i]!.limb(l);
      for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) differing++;
    }
  });
  expect(differing).toBe(0);
}

describe('circuits through the CircuitEvaluator interface (small insecure N = 2^10, Δ = 2^45)', () => {
  it('PolynomialEvaluator.evaluate (insecure): Chebyshev degree 15 within 2^-28 of float64, bit-identical to the bare Evaluator, all 8 products through the wrapper', () => {
    const { ev, counts } = countingEvaluator(F.evaluator);
    expect(ev).not.toBeInstanceOf(Evaluator);
    const coefficients = randomReals(16, 5).map((v, j) => v / (j + 1));
    const p = { basis: 'chebyshev', coefficients } as const;
    const ct = F.encrypt(randomReals(SLOTS, 6));
    const x = F.decrypt(ct).re;
    const before = F.evaluator.keySwitchCounters.keySwitches;
    const out = new PolynomialEvaluator(ev, F.encoder).evaluate(ct, p);
    const keySwitches = F.evaluator.keySwitchCounters.keySwitches - before;
    expect(ct.level - out.level).toBe(4);
    expect(out.scale).toBe(ct.scale);
    const err = maxError(F.decrypt(out), x.map((v) => evaluateChebyshev(coefficients, v)));
    expect(err).toBeLessThan(tol(4));
    expect(err).toBeGreaterThan(0);
    // the same circuit on the class itself: nothing differs, so nothing bypassed the interface
    expectIdentical(out, new PolynomialEvaluator(F.evaluator, F.encoder).evaluate(ct, p));
    // degree 15: 8 ciphertext products (docs/polynomial-evaluation.md, "Cost"), each relinearised once by the
    // fused relinearise-and-rescale, and the evaluator's key switches are exactly those products
    expect(counts.get('mulNoRelin')).toBe(8);
    expect(keySwitches).toBe(8);
    expect(counts.get('relinearizeRescale') ?? 0).toBeGreaterThanOrEqual(8);
    expect(counts.get('mulConstant') ?? 0).toBeGreaterThan(0);
    expect(counts.get('add') ?? 0).toBeGreaterThan(0);
    // no rotation is involved in a polynomial
    for (const m of ['rotate', 'rotateHoisted', 'rotateSum', 'rotateSumRescale', 'conjugate'] as const) expect(counts.get(m)).toBeUndefined();
  });

  it('PolynomialEvaluator.evaluatePerSlot (insecure): x² + a1_i·x + a0_i within 2^-30 of float64, plaintext products through the wrapper', () => {
    const { ev, counts } = countingEvaluator(F.evaluator);
    const a0 = randomReals(SLOTS, 7), a1 = randomReals(SLOTS, 8);
    const ct = F.encrypt(randomReals(SLOTS, 9));
    const x = F.decrypt(ct).re;
    const out = new PolynomialEvaluator(ev, F.encoder).evaluatePerSlot(ct, { basis: 'monomial', coefficients: [a0, a1, 1] });
    expect(ct.level - out.level).toBe(2);
    expect(out.scale).toBe(ct.scale);
    const err = maxError(F.decrypt(out), x.map((v, i) => v * v + a1[i]! * v + a0[i]!));
    expect(err).toBeLessThan(tol(2));
    expect(counts.get('mulPlain') ?? 0).toBeGreaterThan(0);
    expect(counts.get('mulNoRelin')).toBe(1);
  });

  it('slot helpers (insecure): mask and replicate within 2^-28 of float64, bit-identical to the bare Evaluator, one plaintext product and log2(copies) rotations through the wrapper', () => {
    const { ev, counts } = countingEvaluator(F.evaluator);
    const values = randomReals(SLOTS, 10);
    const keep = Float64Array.from({ length: SLOTS }, (_, i) => (i < 8 ? 0.5 + i / 16 : 0));
    const ct = F.encrypt(values);
    const x = F.decrypt(ct).re;
    const masked = mask(ev, F.encoder, ct, keep);
    expect(masked.level).toBe(ct.level - 1);
    expect(masked.scale).toBe(ct.scale);
    expectIdentical(masked, mask(F.evaluator, F.encoder, ct, keep));
    const head = x.map((v, i) => v * keep[i]!);
    expect(maxError(F.decrypt(masked), head)).toBeLessThan(2 ** -28);
    expect([counts.get('mulPlain'), counts.get('rescale')]).toEqual([1, 1]);

    const copies = 4;
    const rep = replicate(ev, masked, 8, copies);
    expectIdentical(rep, replicate(F.evaluator, masked, 8, copies));
    const want = Float64Array.from({ length: SLOTS }, (_, i) => (i < 8 * copies ? head[i % 8]! : 0));
    expect(maxError(F.decrypt(rep), want)).toBeLessThan(2 ** -28);
    expect([counts.get('rotate'), counts.get('add')]).toEqual([2, 2]);
  });
});
