// Galois automorphisms σ_k: a(X) ↦ a(X^k) against independent references: a schoolbook scatter with BigInt
// (coefficient form), NTT ∘ σ_coeff = σ_eval ∘ NTT (evaluation form), group laws (composition, inverse,
// multiplicativity). Small INSECURE ring degrees N = 2^4..2^10, test-only.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyAutomorphism, applyAutomorphismAccumulate, automorphismAccumulateLimb, coefficientAutomorphismTable, composeGaloisElements, conjugationElement,
  evaluationAutomorphismTable, galoisElementForRotation, inverseGaloisElement,
} from '../../src/ckks/ring/automorphism.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly, polyMul } from '../../src/ckks/ring/rnsPoly.js';
import { CkksError } from '../../src/ckks/errors.js';
import { modPow } from '../../src/ckks/ring/modularScalar.js';

const MAX_LOG_N = 10;
// Primes ≡ 1 mod 2^11 serve every N ≤ 2^10.
const PRIMES = [...generateNttPrimes(61, 1, 1 << MAX_LOG_N), ...generateNttPrimes(50, 1, 1 << MAX_LOG_N), ...generateNttPrimes(30, 1, 1 << MAX_LOG_N)];

const basisCache = new Map<number, RnsBasis>();
function basis(logN: number): RnsBasis {
  let b = basisCache.get(logN);
  if (!b) {
    b = RnsBasis.create(1 << logN, PRIMES);
    basisCache.set(logN, b);
  }
  return b;
}

function randomPoly(b: RnsBasis, seed: number[]): RnsPoly {
  const p = new RnsPoly(b, 'coefficient');
  const n = b.ringDegree;
  for (let l = 0; l < b.size; l++) {
    const q = b.moduli[l]!.value;
    for (let j = 0; j < n; j++) {
      const s = BigInt(seed[(l * n + j) % seed.length]!) * 0x9e3779b97f4a7c15n + BigInt(l * n + j) * 0x2545f4914f6cdd1dn;
      // include edge residues 0, 1, q − 1 regularly
      const pick = (l * n + j + seed.length) % 7;
      p.data[l * n + j] = pick === 0 ? 0n : pick === 1 ? 1n : pick === 2 ? q - 1n : BigInt.asUintN(64, s) % q;
    }
  }
  return p;
}

/** Schoolbook σ_k by scatter: coefficient i ↦ X^{ik mod 2N} with X^N = −1. */
function schoolbook(coeffs: readonly bigint[], k: number, q: bigint): bigint[] {
  const n = coeffs.length;
  const out = new Array<bigint>(n).fill(0n);
  for (let i = 0; i < n; i++) {
    const e = (BigInt(i) * BigInt(k)) % BigInt(2 * n);
    const idx = Number(e % BigInt(n));
    const negative = e >= BigInt(n);
    out[idx] = (((out[idx]! + (negative ? -coeffs[i]! : coeffs[i]!)) % q) + q) % q;
  }
  return out;
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CkksError ? e.code : `not a CkksError: ${String(e)}`;
  }
  return undefined;
}

const caseArb = fc.record({
  logN: fc.integer({ min: 4, max: MAX_LOG_N }),
  kSeed: fc.nat(),
  jSeed: fc.nat(),
  seed: fc.array(fc.nat(), { minLength: 1, maxLength: 16 }),
});
const oddElement = (seed: number, n: number): number => (2 * (seed % n) + 1) % (2 * n);

describe('Galois automorphisms (small insecure N = 2^4..2^10, 61/50/30-bit primes)', () => {
  it('coefficient form equals the schoolbook index scatter with signs (BigInt)', () => {
    fc.assert(fc.property(caseArb, ({ logN, kSeed, seed }) => {
      const b = basis(logN);
      const n = b.ringDegree;
      const k = oddElement(kSeed, n);
      const a = randomPoly(b, seed);
      const out = applyAutomorphism(a, k, new RnsPoly(b, 'coefficient'));
      expect(out.form).toBe('coefficient');
      for (let l = 0; l < b.size; l++) {
        expect(Array.from(out.limb(l))).toEqual(schoolbook(Array.from(a.limb(l)), k, b.moduli[l]!.value));
      }
    }), { numRuns: 60 });
  });

  it('evaluation form: σ_eval(NTT(a)) = NTT(σ_coeff(a))', () => {
    fc.assert(fc.property(caseArb, ({ logN, kSeed, seed }) => {
      const b = basis(logN);
      const k = oddElement(kSeed, b.ringDegree);
      const a = randomPoly(b, seed);
      const viaCoeff = applyAutomorphism(a, k, new RnsPoly(b, 'coefficient')).toEvaluation();
      const viaEval = applyAutomorphism(a.clone().toEvaluation(), k, new RnsPoly(b, 'evaluation'));
      expect(viaEval.form).toBe('evaluation');
      expect(Array.from(viaEval.data)).toEqual(Array.from(viaCoeff.data));
    }), { numRuns: 60 });
  });

  it('evaluation permutation matches the evaluation points: ψ^{(2·brv(j)+1)·k} = ψ^{2·brv(π(j))+1}', () => {
    for (let logN = 4; logN <= MAX_LOG_N; logN += 3) {
      const b = basis(logN);
      const t = b.tables[0]!;
      const q = t.modulus.value;
      const n = b.ringDegree;
      for (const k of [1, 3, 5, 2 * n - 1, galoisElementForRotation(7, n)]) {
        const perm = evaluationAutomorphismTable(n, k);
        for (let j = 0; j < n; j++) {
          expect(modPow(t.evaluationPoint(j), BigInt(k), q)).toBe(t.evaluationPoint(perm[j]!));
        }
      }
    }
  });

  it('composition σ_k ∘ σ_j = σ_{kj mod 2N} in both forms', () => {
    fc.assert(fc.property(caseArb, fc.boolean(), ({ logN, kSeed, jSeed, seed }, evaluation) => {
      const b = basis(logN);
      const n = b.ringDegree;
      const k = oddElement(kSeed, n);
      const j = oddElement(jSeed, n);
      const a = randomPoly(b, seed);
      if (evaluation) a.toEvaluation();
      const step = applyAutomorphism(applyAutomorphism(a, j, new RnsPoly(b, a.form)), k, new RnsPoly(b, a.form));
      const direct = applyAutomorphism(a, composeGaloisElements(k, j, n), new RnsPoly(b, a.form));
      expect(composeGaloisElements(k, j, n)).toBe((k * j) % (2 * n));
      expect(Array.from(step.data)).toEqual(Array.from(direct.data));
    }), { numRuns: 50 });
  });

  it('σ_{k^{-1}} ∘ σ_k is the identity in both forms; σ_1 is the identity', () => {
    fc.assert(fc.property(caseArb, fc.boolean(), ({ logN, kSeed, seed }, evaluation) => {
      const b = basis(logN);
      const n = b.ringDegree;
      const k = oddElement(kSeed, n);
      const kInv = inverseGaloisElement(k, n);
      expect((k * kInv) % (2 * n)).toBe(1);
      const a = randomPoly(b, seed);
      if (evaluation) a.toEvaluation();
      const back = applyAutomorphism(applyAutomorphism(a, k, new RnsPoly(b, a.form)), kInv, new RnsPoly(b, a.form));
      expect(Array.from(back.data)).toEqual(Array.from(a.data));
      expect(Array.from(applyAutomorphism(a, 1, new RnsPoly(b, a.form)).data)).toEqual(Array.from(a.data));
    }), { numRuns: 50 });
  });

  it('multiplicativity σ(a·b) = σ(a)·σ(b), products via NTT, automorphism in coefficient form', () => {
    fc.assert(fc.property(caseArb, fc.array(fc.nat(), { minLength: 1, maxLength: 16 }), ({ logN, kSeed, seed }, seed2) => {
      const b = basis(logN);
      const k = oddElement(kSeed, b.ringDegree);
      const x = randomPoly(b, seed);
      const y = randomPoly(b, seed2);
      const prod = polyMul(x.clone().toEvaluation(), y.clone().toEvaluation(), new RnsPoly(b, 'evaluation')).toCoefficient();
      const left = applyAutomorphism(prod, k, new RnsPoly(b, 'coefficient'));
      const sx = applyAutomorphism(x, k, new RnsPoly(b, 'coefficient')).toEvaluation();
      const sy = applyAutomorphism(y, k, new RnsPoly(b, 'coefficient')).toEvaluation();
      const right = polyMul(sx, sy, new RnsPoly(b, 'evaluation')).toCoefficient();
      expect(Array.from(left.data)).toEqual(Array.from(right.data));
    }), { numRuns: 40 });
  });

  it('rotation elements: 5^s mod 2N, negative steps invert, steps wrap modulo N/2; conjugation is 2N − 1', () => {
    for (let logN = 1; logN <= 17; logN++) {
      const n = 1 << logN;
      const m = BigInt(2 * n);
      expect(conjugationElement(n)).toBe(2 * n - 1);
      for (const s of [0, 1, 2, 3, 17, n / 2 - 1, n / 2, n, 1000003]) {
        const g = galoisElementForRotation(s, n);
        expect(BigInt(g)).toBe(modPow(5n, BigInt(s), m));
        expect((BigInt(g) * BigInt(galoisElementForRotation(-s, n))) % m).toBe(1n % m);
        expect(galoisElementForRotation(s + n / 2, n)).toBe(g);
      }
      expect(galoisElementForRotation(3, n)).toBe(composeGaloisElements(galoisElementForRotation(1, n), galoisElementForRotation(2, n), n));
    }
  });

  it('coefficient table: every index appears once and signs follow ik mod 2N ≥ N', () => {
    const n = 64;
    for (const k of [3, 5, 127]) {
      const t = coefficientAutomorphismTable(n, k);
      expect(new Set(t.source).size).toBe(n);
      for (let j = 0; j < n; j++) {
        const e = (t.source[j]! * k) % (2 * n);
        expect(e % n).toBe(j);
        expect(t.negateMask[j]).toBe(e >= n ? 0xffffffffffffffffn : 0n);
      }
      expect(coefficientAutomorphismTable(n, k)).toBe(t); // cached
    }
  });

  it('automorphismAccumulateLimb adds σ_k(src) to acc limb by limb: acc + NTT(σ_coeff(a)) (BigInt sum), refusals', () => {
    fc.assert(fc.property(caseArb, ({ logN, kSeed, seed }) => {
      const b = basis(logN);
      const n = b.ringDegree;
      const k = oddElement(kSeed, n);
      const a = randomPoly(b, seed);
      const acc = randomPoly(b, [...seed, 5]).toEvaluation();
      const expected = applyAutomorphism(a, k, new RnsPoly(b, 'coefficient')).toEvaluation(); // σ in coefficient form, then NTT
      const src = a.clone().toEvaluation();
      const before = acc.data.slice();
      const whole = acc.clone();
      for (let l = 0; l < b.size; l++) automorphismAccumulateLimb(src.limb(l), k, acc.limb(l), b.moduli[l]!.value);
      expect(applyAutomorphismAccumulate(src, k, whole)).toBe(whole);
      for (let l = 0; l < b.size; l++) {
        const q = b.moduli[l]!.value;
        for (let j = 0; j < n; j++) {
          expect(acc.data[l * n + j]).toBe((before[l * n + j]! + expected.data[l * n + j]!) % q);
          expect(whole.data[l * n + j]).toBe(acc.data[l * n + j]);
        }
      }
    }), { numRuns: 40 });
    const b = basis(4);
    const x = new RnsPoly(b, 'evaluation');
    expect(() => automorphismAccumulateLimb(x.limb(0), 3, x.limb(0), b.moduli[0]!.value)).toThrow(RangeError); // aliasing
    expect(() => automorphismAccumulateLimb(x.limb(0), 4, x.limb(1), b.moduli[1]!.value)).toThrow(); // even element
    expect(() => automorphismAccumulateLimb(x.limb(0).subarray(0, 8), 3, x.limb(1), b.moduli[1]!.value)).toThrow(RangeError);
    expect(errorCode(() => applyAutomorphismAccumulate(new RnsPoly(b, 'coefficient'), 3, new RnsPoly(b, 'evaluation')))).toBe('FORM_MISMATCH');
  });

  it('argument and state errors', () => {
    const b = basis(4);
    const a = randomPoly(b, [1, 2, 3]);
    const out = new RnsPoly(b, 'coefficient');
    for (const k of [0, 2, 32, 33, -1, 1.5, Number.NaN]) expect(() => applyAutomorphism(a, k, out)).toThrow(RangeError);
    expect(() => applyAutomorphism(a, 3, a)).toThrow(RangeError);
    expect(() => applyAutomorphism(a, 3, new RnsPoly(b, 'coefficient', a.data))).toThrow(RangeError);
    const other = new RnsPoly(basis(5), 'coefficient');
    expect(() => applyAutomorphism(a, 3, other)).toThrow(CkksError);
    expect(errorCode(() => applyAutomorphism(a, 3, new RnsPoly(b.prefix(2), 'coefficient')))).toBe('INCOMPATIBLE_PARAMETERS');
    expect(() => galoisElementForRotation(1.5, 16)).toThrow(RangeError);
    expect(() => galoisElementForRotation(1, 12)).toThrow(RangeError);
    expect(() => conjugationElement(0)).toThrow(RangeError);
    expect(() => inverseGaloisElement(4, 16)).toThrow(RangeError);
  });
});
