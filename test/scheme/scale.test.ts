// The scale rule (src/ckks/scheme/scale.ts): exact for arithmetic, a relative tolerance of 2^-40 only to declare a
// planned scale (pinScale). References are independent: the boundary cases are built from exact powers of two
// and float64 successors, and the random cases are decided with exact BigInt arithmetic on the floats' values.
// Ciphertexts come from small INSECURE parameters (N = 2^10).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixture } from './helpers.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { SCALE_RELATIVE_TOLERANCE, checkSameScale, pinScale, scaleRelativeDifference, scalesAgree } from '../../src/ckks/scheme/scale.js';
import { ExtendedCiphertext } from '../../src/ckks/scheme/plaintext.js';

const F = fixture({ logN: 10, logQ: [50, 40, 40], logP: [55], logDefaultScale: 40 }, 41, [1]);

/** The next float64 above (below) a positive finite x. */
function nextUp(x: number): number {
  const f = Float64Array.of(x);
  new BigUint64Array(f.buffer)[0]! += 1n;
  return f[0]!;
}
function nextDown(x: number): number {
  const f = Float64Array.of(x);
  new BigUint64Array(f.buffer)[0]! -= 1n;
  return f[0]!;
}

/** Exact |a − b| < 2^-40·max(a, b) for floats a, b ≥ 2^12 (their ulp is ≥ 2^-40, so a·2^40 is an integer and BigInt exact). */
function agreeExactly(a: number, b: number): boolean {
  if (!(a >= 2 ** 12 && b >= 2 ** 12)) throw new RangeError('agreeExactly: the reference needs scales ≥ 2^12');
  const A = BigInt(a * 2 ** 40), B = BigInt(b * 2 ** 40);
  const d = A > B ? A - B : B - A;
  return d * 2n ** 40n < (A > B ? A : B);
}

describe('scale rule: tolerance 2^-40 to pin a planned scale', () => {
  const S = 2 ** 45;

  it('the tolerance is 2^-40', () => {
    expect(SCALE_RELATIVE_TOLERANCE).toBe(2 ** -40);
  });

  it('boundary below S: S − 2^5 (relative difference exactly 2^-40) is refused, one ulp closer accepted, one ulp further refused; both argument orders', () => {
    const edge = S - 2 ** 5; // |S − edge| / max = 2^5 / 2^45 = 2^-40 exactly
    expect(scaleRelativeDifference(S, edge)).toBe(2 ** -40);
    for (const [b, ok] of [[edge, false], [nextUp(edge), true], [nextDown(edge), false], [nextUp(nextUp(edge)), true]] as const) {
      expect(scalesAgree(S, b), `${b}`).toBe(ok);
      expect(scalesAgree(b, S), `${b} (swapped)`).toBe(ok);
      expect(agreeExactly(S, b)).toBe(ok);
    }
  });

  it('boundary above S: S + 2^5 (2^5 < 2^-40·(S + 2^5)) is accepted, its successor refused; both argument orders', () => {
    const edge = S + 2 ** 5;
    for (const [b, ok] of [[edge, true], [nextUp(edge), false], [nextDown(edge), true]] as const) {
      expect(scalesAgree(S, b), `${b}`).toBe(ok);
      expect(scalesAgree(b, S), `${b} (swapped)`).toBe(ok);
      expect(agreeExactly(S, b)).toBe(ok);
    }
  });

  it('random scales near the boundary (2^20 … 2^62, relative offsets k·2^-52 with |k| ≤ 2^13, ± 3 ulps): scalesAgree equals the exact BigInt decision and is symmetric', () => {
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(fc.property(
      fc.double({ min: 20, max: 62, noNaN: true }),
      fc.integer({ min: -(2 ** 13), max: 2 ** 13 }),
      fc.integer({ min: -3, max: 3 }),
      (logA, k, ulps) => {
        const a = 2 ** logA;
        let b = a * (1 + k * 2 ** -52); // the boundary is at |k| ≈ 2^12
        for (let i = 0; i < Math.abs(ulps); i++) b = ulps > 0 ? nextUp(b) : nextDown(b);
        const ok = scalesAgree(a, b);
        expect(ok).toBe(agreeExactly(a, b));
        expect(scalesAgree(b, a)).toBe(ok);
        expect(scaleRelativeDifference(b, a)).toBe(scaleRelativeDifference(a, b));
        outcomes[ok ? 'accepted' : 'refused']++;
      },
    ), { numRuns: 2000, seed: 20261201 });
    // both sides of the boundary were exercised
    expect(outcomes.accepted).toBeGreaterThan(400);
    expect(outcomes.refused).toBeGreaterThan(400);
  });

  it('pinScale relabels within the tolerance (same object, scale exactly the planned one) and refuses beyond it with SCALE_MISMATCH, leaving the scale alone', () => {
    const ct = F.encrypt([0.5, -0.25]);
    const planned = ct.scale;
    for (const s of [nextUp(planned), nextDown(planned), planned * (1 + 2 ** -41), planned * (1 - 2 ** -41), planned]) {
      const c = ct.clone();
      c.scale = s;
      const pinned = pinScale(c, planned);
      expect(pinned).toBe(c);
      expect(pinned.scale).toBe(planned);
    }
    for (const s of [planned - planned * 2 ** -40, planned * (1 + 2 ** -39), planned * (1 - 2 ** -39), planned * 2, planned / 3]) {
      const c = ct.clone();
      c.scale = s;
      expectCkksError(() => pinScale(c, planned), 'SCALE_MISMATCH');
      expect(() => pinScale(c, planned)).toThrow(/was planned/);
      expect(c.scale).toBe(s);
    }
  });

  it('non-finite, zero and negative scales are refused with RangeError (either argument, and by pinScale)', () => {
    const ct = F.encrypt([1]);
    for (const bad of [0, -0, -S, Number.NaN, Infinity, -Infinity]) {
      expect(() => scalesAgree(S, bad), String(bad)).toThrow(RangeError);
      expect(() => scalesAgree(bad, S), String(bad)).toThrow(RangeError);
      expect(() => scaleRelativeDifference(bad, S), String(bad)).toThrow(RangeError);
      expect(() => pinScale(ct, bad), String(bad)).toThrow(RangeError);
      const c = ct.clone();
      c.scale = bad;
      expect(() => pinScale(c, ct.scale), String(bad)).toThrow(RangeError);
    }
  });
});

describe('scale rule: arithmetic is exact (small insecure N = 2^10)', () => {
  it('add/sub of two ciphertexts whose scales differ by one ulp are SCALE_MISMATCH, though scalesAgree would accept them', () => {
    const a = F.encrypt([0.5, 0.25]);
    for (const s of [nextUp(a.scale), nextDown(a.scale)]) {
      const b = F.encrypt([0.125, -0.5]);
      b.scale = s;
      expect(scalesAgree(a.scale, b.scale)).toBe(true);
      expectCkksError(() => F.evaluator.add(a, b), 'SCALE_MISMATCH');
      expectCkksError(() => F.evaluator.sub(b, a), 'SCALE_MISMATCH');
      expectCkksError(() => checkSameScale(a, b, 'test'), 'SCALE_MISMATCH');
      const pt = F.encoder.encode([1], { level: a.level });
      pt.scale = s;
      expectCkksError(() => F.evaluator.add(a, pt), 'SCALE_MISMATCH');
    }
    // the same operands at the identical scale add fine (the refusal is about the scale, nothing else)
    const b = F.encrypt([0.125, -0.5]);
    const sum = F.decrypt(F.evaluator.add(a, b)).re;
    expect(Math.abs(sum[0]! - 0.625)).toBeLessThan(2 ** -20);
    expect(Math.abs(sum[1]! + 0.25)).toBeLessThan(2 ** -20);
  });

  it('an accumulation in the extended basis refuses an accumulator one ulp off too (rotateAccumulateExtended)', () => {
    const a = F.encrypt([0.5, 0.25]);
    const x = F.evaluator.liftExtended(a);
    const acc = ExtendedCiphertext.zero(F.ctx, a.level, nextUp(a.scale), a.slots);
    expectCkksError(() => F.evaluator.rotateAccumulateExtended(x, 1, acc), 'SCALE_MISMATCH');
    const same = ExtendedCiphertext.zero(F.ctx, a.level, a.scale, a.slots);
    expect(() => F.evaluator.rotateAccumulateExtended(x, 1, same)).not.toThrow();
  });
});
