// Parameter validation: security bounds (HE standard / 2024 guidelines), prime chains, digits, presets.
import { describe, expect, it } from 'vitest';
import { Parameters } from '../../src/ckks/scheme/parameters.js';
import { PN13QP200, PN14QP400, PN15QP838D4, PN15QP880, PN16QP1503H192 } from '../../src/ckks/scheme/presets.js';
import { CkksError } from '../../src/ckks/errors.js';
import { generateNttPrimes, isPrime } from '../../src/ckks/ring/primes.js';
import { expectCkksError } from '../support/expectCkksError.js';

describe('Parameters', () => {
  it('presets are valid and within their 128-bit bound', () => {
    for (const lit of [PN13QP200, PN14QP400, PN15QP880, PN15QP838D4, PN16QP1503H192]) {
      const p = new Parameters(lit);
      expect(p.securityBound).toBeDefined();
      expect(p.logQP).toBeLessThanOrEqual(p.securityBound!);
      const all = [...p.Q, ...p.P];
      expect(new Set(all).size).toBe(all.length);
      for (const q of all) {
        expect(isPrime(q)).toBe(true);
        expect(q % BigInt(2 * p.ringDegree)).toBe(1n);
      }
    }
    const p14 = new Parameters(PN14QP400);
    expect(p14.Q.map((q) => q.toString(2).length)).toEqual([59, 40, 40, 40, 40, 40, 40, 40]);
    expect(p14.P.map((q) => q.toString(2).length)).toEqual([61]);
    expect(p14.dnum).toBe(8);
    const d4 = new Parameters(PN15QP838D4);
    expect(d4.digits).toEqual([[0, 4], [4, 8], [8, 12], [12, 16]]);
    // the digits of a polynomial at level ℓ: those starting at or below ℓ, the last cut at ℓ + 1
    expect(d4.digitsAtLevel(15)).toEqual(d4.digits);
    expect(d4.digitsAtLevel(9)).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(d4.digitsAtLevel(8)).toEqual([[0, 4], [4, 8], [8, 9]]);
    expect(d4.digitsAtLevel(7)).toEqual([[0, 4], [4, 8]]);
    expect(d4.digitsAtLevel(0)).toEqual([[0, 1]]);
    for (const bad of [-1, 16, 1.5]) expect(() => d4.digitsAtLevel(bad)).toThrow(RangeError);
  });

  it('refuses parameters above the 128-bit bound with INSECURE_PARAMETERS unless marked insecure', () => {
    const lit = { logN: 13, logQ: [60, 60, 60], logP: [60], logDefaultScale: 40 };
    expect(() => new Parameters(lit)).toThrow(CkksError);
    expectCkksError(() => new Parameters(lit), 'INSECURE_PARAMETERS');
    expect(new Parameters({ ...lit, insecure: true }).insecure).toBe(true);
    // sparse secrets: no estimate below N = 2^16 / below h = 192
    expect(() => new Parameters({ logN: 14, logQ: [40], logP: [40], logDefaultScale: 30, secret: { kind: 'sparse-ternary', hammingWeight: 64 } })).toThrow(/INSECURE_PARAMETERS/);
  });

  it('rejects malformed literals with RangeError/TypeError', () => {
    const base = { logN: 10, logQ: [40], logP: [40], logDefaultScale: 30, insecure: true };
    expect(() => new Parameters({ ...base, logN: 3 })).toThrow(RangeError);
    expect(() => new Parameters({ ...base, logN: 18 })).toThrow(RangeError);
    expect(new Parameters({ ...base, logN: 4 }).ringDegree).toBe(16); // 4 … 17 as documented (below 10: tests only)
    const [wide] = generateNttPrimes(62, 1, 1 << 10); // an NTT prime in [2^61, 2^62): a Modulus, but not for a chain
    expect(() => new Parameters({ ...base, logQ: undefined, Q: [wide!] })).toThrow(/2\^61/);
    expect(() => new Parameters({ ...base, logQ: [] })).toThrow(RangeError);
    expect(() => new Parameters({ ...base, logP: [] })).toThrow(RangeError);
    expect(() => new Parameters({ ...base, logQ: [62] })).toThrow(RangeError);
    expect(() => new Parameters({ ...base, logDefaultScale: 0 })).toThrow(RangeError);
    expect(() => new Parameters({ ...base, Q: [17n] , logQ: undefined })).toThrow(RangeError);
    expect(() => new Parameters({ ...base, dnum: 2 })).toThrow(RangeError);
    expect(() => new Parameters({ ...base, logQ: [60, 60], logP: [30] })).toThrow(/digit/);
  });

  it('σ outside [3.19, 32] is refused with INSECURE_PARAMETERS unless marked insecure (issue 10.2)', () => {
    // σ = 10^-3 let the secret be read off the public key; the 128-bit bounds assume the standard's σ ≈ 3.19
    for (const sigma of [1e-3, 1, 3.18, 33, 99]) {
      expectCkksError(() => new Parameters({ ...PN13QP200, sigma }), 'INSECURE_PARAMETERS');
      expect(new Parameters({ ...PN13QP200, sigma, insecure: true }).sigma).toBe(sigma);
    }
    for (const sigma of [3.19, 3.2, 8, 32]) expect(new Parameters({ ...PN13QP200, sigma }).sigma).toBe(sigma);
    for (const sigma of [0, -1, 100, NaN, Infinity]) expect(() => new Parameters({ ...PN13QP200, sigma, insecure: true })).toThrow(RangeError);
  });

  it('fingerprints differ when anything that matters differs', () => {
    const a = new Parameters(PN13QP200), b = new Parameters(PN13QP200), c = new Parameters({ ...PN13QP200, sigma: 3.19 });
    expect(a.fingerprint()).toBe(b.fingerprint());
    expect(a.fingerprint()).not.toBe(c.fingerprint());
  });
});
