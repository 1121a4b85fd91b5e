// NTT tables and transforms, checked where the main NTT tests do not look: the evaluation points, the argument
// checks (each must be the one that throws), and the inverse transform with primes of 31–44 bits at small N,
// where the last stage's approximate Shoup quotient (N^{-1} folded in) uses every partial product.
// References: BigInt powers and a direct BigInt inverse DFT.
import { describe, expect, it } from 'vitest';
import { Modulus } from '../../src/ckks/ring/modulus.js';
import { NttTable, nttForward, nttInverse } from '../../src/ckks/ring/ntt.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';

/** Test-side bit reversal and modular power (no library helpers). */
function brv(x: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) r = (r << 1) | ((x >> i) & 1);
  return r;
}
function pow(b: bigint, e: bigint, q: bigint): bigint {
  let r = 1n;
  let x = b % q;
  for (; e > 0n; e >>= 1n, x = (x * x) % q) if (e & 1n) r = (r * x) % q;
  return r;
}

function splitmix(seed: bigint): () => bigint {
  let s = BigInt.asUintN(64, seed);
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
}

describe('NttTable (small insecure N)', () => {
  it('ψ is a primitive 2N-th root; evaluationPoint(j) = ψ^{2·brv(j)+1}; psiRev/psiInvRev are the bit-reversed powers', () => {
    for (const logN of [1, 3, 5]) {
      const n = 1 << logN;
      const [q] = generateNttPrimes(40, 1, n);
      const t = new NttTable(new Modulus(q!), n);
      expect(pow(t.psi, BigInt(n), q!)).toBe(q! - 1n); // ψ^N = −1
      for (let j = 0; j < n; j++) {
        expect(t.evaluationPoint(j)).toBe(pow(t.psi, BigInt(2 * brv(j, logN) + 1), q!));
        expect(t.psiRev[j]).toBe(pow(t.psi, BigInt(brv(j, logN)), q!));
        expect((t.psiInvRev[j]! * t.psiRev[j]!) % q!).toBe(1n);
        expect(t.psiRevShoup[j]).toBe((t.psiRev[j]! << 64n) / q!);
        expect(t.psiInvRevShoup[j]).toBe((t.psiInvRev[j]! << 64n) / q!);
      }
      expect((t.nInverse * BigInt(n)) % q!).toBe(1n);
    }
  });

  it('forward output j is the input polynomial evaluated at evaluationPoint(j)', () => {
    const n = 16;
    const [q] = generateNttPrimes(50, 1, n);
    const t = new NttTable(new Modulus(q!), n);
    const next = splitmix(7n);
    const av = Array.from({ length: n }, () => next() % q!);
    const a = BigUint64Array.from(av);
    nttForward(a, t);
    for (let j = 0; j < n; j++) {
      const x = t.evaluationPoint(j);
      let acc = 0n;
      for (let i = n - 1; i >= 0; i--) acc = (acc * x + av[i]!) % q!;
      expect(a[j]).toBe(acc);
    }
  });

  it('refuses ring degrees outside 2^1..2^17 and non-powers of two, even when q ≡ 1 mod 2N holds', () => {
    // q = 7 ≡ 1 mod 6 (N = 3) and q = 3 ≡ 1 mod 2 (N = 1): only the ring-degree check can refuse them.
    expect(() => new NttTable(new Modulus(7n), 3)).toThrow(/ring degree must be 2\^1\.\.2\^17/);
    expect(() => new NttTable(new Modulus(3n), 1)).toThrow(/ring degree must be 2\^1\.\.2\^17/);
    const [q18] = generateNttPrimes(50, 1, 1 << 18); // q ≡ 1 mod 2^19
    expect(() => new NttTable(new Modulus(q18!), 1 << 18)).toThrow(/ring degree must be 2\^1\.\.2\^17/);
    expect(new NttTable(new Modulus(5n), 2).ringDegree).toBe(2); // smallest: 5 ≡ 1 mod 4
  });

  it('refuses a prime that is not ≡ 1 mod 2N with that message (not a later failure)', () => {
    // 13 ≡ 1 mod 4 but not mod 8: an 8th root of unity does not exist.
    expect(() => new NttTable(new Modulus(13n), 4)).toThrow(/is not ≡ 1 mod 2N/);
    const [q] = generateNttPrimes(40, 1, 1 << 10);
    expect(() => new NttTable(new Modulus(q!), 1 << 12)).toThrow(/is not ≡ 1 mod 2N/);
  });

  it('both transforms refuse arrays of the wrong length and leave them untouched', () => {
    const [q] = generateNttPrimes(40, 1, 16);
    const t = new NttTable(new Modulus(q!), 16);
    for (const len of [8, 15, 17, 32]) {
      const a = new BigUint64Array(len).fill(3n);
      expect(() => nttForward(a, t)).toThrow(RangeError);
      expect(() => nttInverse(a, t)).toThrow(RangeError);
      expect(Array.from(a)).toEqual(new Array<bigint>(len).fill(3n));
    }
  });
});

describe('inverse NTT against a direct BigInt inverse transform (primes of 31–44 bits, N = 2..32)', () => {
  it('a_i = N^{-1}·Σ_j â_j·x_j^{-i} for random â in [0, q)', () => {
    for (const bits of [31, 33, 35, 38, 41, 44]) {
      for (const logN of [1, 2, 3, 5]) {
        const n = 1 << logN;
        const [q] = generateNttPrimes(bits, 1, n);
        const t = new NttTable(new Modulus(q!), n);
        const next = splitmix(BigInt(bits * 100 + logN));
        const nInv = pow(BigInt(n), q! - 2n, q!);
        // w[j][i] = x_j^{-i} with x_j = ψ^{2·brv(j)+1} (Fermat: q is prime)
        const w = Array.from({ length: n }, (_, j) => {
          const xInv = pow(pow(t.psi, BigInt(2 * brv(j, logN) + 1), q!), q! - 2n, q!);
          return Array.from({ length: n }, (_, i) => pow(xInv, BigInt(i), q!));
        });
        for (let rep = 0; rep < 12; rep++) {
          const hat = Array.from({ length: n }, () => (rep === 0 ? q! - 1n : next() % q!));
          const a = BigUint64Array.from(hat);
          nttInverse(a, t);
          for (let i = 0; i < n; i++) {
            let acc = 0n;
            for (let j = 0; j < n; j++) acc = (acc + hat[j]! * w[j]![i]!) % q!;
            expect(a[i]).toBe((acc * nInv) % q!);
          }
        }
      }
    }
  });

  it('accepts lazy inputs in [0, 2q) with the same result as reduced ones (N = 2, 4: the last stage sees x + y up to 4q)', () => {
    for (const bits of [20, 28, 31, 33, 36, 40, 44, 50, 61]) {
      for (const n of [2, 4]) {
        const [q] = generateNttPrimes(bits, 1, n);
        const t = new NttTable(new Modulus(q!), n);
        const next = splitmix(BigInt(bits * 10 + n));
        for (let rep = 0; rep < 150; rep++) {
          // values near 2q make x + y reach the top of the range
          const lazy = Array.from({ length: n }, () => 2n * q! - 1n - (rep % 2 === 0 ? next() % 64n : next() % (2n * q!)));
          const a = BigUint64Array.from(lazy), b = BigUint64Array.from(lazy, (x) => x % q!);
          nttInverse(a, t);
          nttInverse(b, t);
          expect(Array.from(a)).toEqual(Array.from(b));
        }
      }
    }
  });
});
